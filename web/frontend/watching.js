// Watching and simulating (issue 13): the heat map of where open cases wait, and one
// scenario of the draft run on the server's simulated clock with its path marked on the
// diagram; kept scenarios are rerun with one button. The server computes; this shows.
import { elementName } from "./properties.js";
import { RuleDecisions } from "./decisions.js";
import { Incidents } from "./incidents.js";

const VISITED_MARKER = "simulated";

export class Watching {
  constructor(workspace, scenarios) {
    this.ws = workspace;
    this.visited = [];
    this.waitingOverlays = [];
    document.getElementById("show-waiting").addEventListener("click", () => this.ws.run(() => this.showWaiting()));
    document.getElementById("simulate-draft").addEventListener("click", () => this.ws.run(() => this.simulate()));
    this.showScenarios(scenarios);
    this.decisions = new RuleDecisions(workspace);
    this.incidents = new Incidents(workspace);
  }

  // The heat map: per element, the open cases waiting there and their median wait.
  async showWaiting() {
    const overlays = this.ws.bpmn.get("overlays");
    const registry = this.ws.bpmn.get("elementRegistry");
    for (const id of this.waitingOverlays) overlays.remove(id);
    this.waitingOverlays = [];
    const response = await fetch(this.ws.config.waitingUrl, { credentials: "same-origin" });
    const answer = await response.json();
    if (!response.ok) {
      this.ws.say(`${this.ws.t.failed}: ${answer.message}`, "error");
      return;
    }
    const most = Math.max(1, ...answer.elements.map((e) => e.cases));
    for (const wait of answer.elements) {
      if (!registry.get(wait.element)) continue;
      const badge = document.createElement("span");
      badge.className = `waiting-badge heat-${Math.ceil((wait.cases / most) * 3)}`;
      badge.dataset.element = wait.element;
      badge.textContent = `${wait.cases} · ${wait.median_hours} h`;
      badge.title = this.ws.t.waiting;
      this.waitingOverlays.push(
        overlays.add(wait.element, "waiting", { position: { bottom: 0, left: 0 }, html: badge }),
      );
    }
    this.ws.say(answer.elements.length ? this.ws.t.waitingShown : this.ws.t.noneWaiting, "info");
  }

  async simulate() {
    let data;
    try {
      data = JSON.parse(document.getElementById("sim-data").value || "{}");
    } catch (error) {
      this.ws.say(this.ws.t.invalidScenario, "error");
      return;
    }
    if (!(await this.ws.save())) return;
    this.ws.say(this.ws.t.simulating);
    const { ok, answer } = await this.ws.request(this.ws.config.simulateUrl, "POST", {
      start: document.getElementById("sim-start").value,
      workers_act: document.getElementById("sim-act").checked,
      data,
      name: document.getElementById("sim-name").value.trim() || undefined,
    });
    if (!ok) {
      this.ws.showProblems(answer.problems || []);
      this.ws.say(`${this.ws.t.failed}: ${answer.message}`, "error");
      return;
    }
    this.showPath(answer.steps);
    this.decisions.show(answer.decisions);
    this.showScenarios(answer.scenarios);
    this.ws.say(answer.ended ? this.ws.t.simulated : this.ws.t.simulatedStuck, answer.ended ? "success" : "error");
  }

  // Kept scenarios, each rerun with one button after the next change.
  showScenarios(scenarios) {
    const list = document.getElementById("scenarios");
    list.replaceChildren();
    for (const scenario of scenarios) {
      const item = document.createElement("li");
      const rerun = document.createElement("button");
      rerun.type = "button";
      rerun.textContent = `${this.ws.t.rerun}: ${scenario.name}`;
      rerun.addEventListener("click", () => {
        document.getElementById("sim-start").value = scenario.start;
        document.getElementById("sim-act").checked = scenario.workers_act;
        document.getElementById("sim-data").value = JSON.stringify(scenario.data);
        document.getElementById("sim-name").value = scenario.name;
        this.ws.run(() => this.simulate());
      });
      const text = document.createElement("span");
      text.textContent = ` ${scenario.start.replace("T", " ")} · ${JSON.stringify(scenario.data)}`;
      item.append(rerun, text);
      list.append(item);
    }
  }

  showPath(steps) {
    const canvas = this.ws.bpmn.get("canvas");
    const registry = this.ws.bpmn.get("elementRegistry");
    for (const id of this.visited) canvas.removeMarker(id, VISITED_MARKER);
    this.visited = [];
    const list = document.getElementById("simulation");
    list.replaceChildren();
    for (const step of steps) {
      const item = document.createElement("li");
      item.dataset.kind = step.kind;
      item.dataset.element = step.element;
      const form = step.form ? ` · ${this.ws.t.form}: ${step.form}` : "";
      item.textContent = `${step.at} · ${this.ws.t[`step_${step.kind}`]} · ${elementName(registry, step.element)}${form}`;
      list.append(item);
      if (registry.get(step.element) && !this.visited.includes(step.element)) {
        canvas.addMarker(step.element, VISITED_MARKER);
        this.visited.push(step.element);
      }
    }
  }
}
