// The rules a simulated run decided (issue 13): listed with their inputs and outcome under
// the path, and marked on the diagram at their element (a red mark where a rule refused).
// The server decides; this only shows (simwatch).
import "./simwatch.css";
import { elementName } from "./properties.js";

const REFUSED_MARKER = "rule-refused";

export class RuleDecisions {
  constructor(workspace) {
    this.ws = workspace;
    this.overlays = [];
    this.marked = [];
    this.table = document.getElementById("decisions");
    this.none = document.getElementById("no-decisions");
  }

  clear() {
    const canvas = this.ws.bpmn.get("canvas");
    const overlays = this.ws.bpmn.get("overlays");
    for (const id of this.overlays) overlays.remove(id);
    for (const element of this.marked) canvas.removeMarker(element, REFUSED_MARKER);
    this.overlays = [];
    this.marked = [];
  }

  show(decisions) {
    this.clear();
    const t = this.ws.t;
    const registry = this.ws.bpmn.get("elementRegistry");
    const body = this.table.querySelector("tbody");
    body.replaceChildren();
    const byElement = new Map();
    for (const decision of decisions) {
      const row = document.createElement("tr");
      row.dataset.element = decision.element;
      row.dataset.rule = decision.rule;
      row.dataset.passed = String(decision.passed);
      if (!decision.passed) row.className = "refused";
      const inputs = document.createElement("ul");
      inputs.className = "inputs";
      for (const [name, value] of decision.inputs) {
        const item = document.createElement("li");
        const code = document.createElement("code");
        code.textContent = name;
        item.append(code, ` = ${value}`);
        inputs.append(item);
      }
      const outcome = document.createElement("span");
      outcome.className = `decision-outcome${decision.passed ? "" : " refused"}`;
      outcome.textContent = `${decision.passed ? t.passed : t.refused}: ${decision.outcome}`;
      const rule = decision.table ? `${decision.rule} (${decision.table})` : decision.rule;
      row.append(
        cell(decision.at),
        cell(elementName(registry, decision.element)),
        cell(rule),
        cell(inputs),
        cell(outcome),
      );
      body.append(row);
      if (!byElement.has(decision.element)) byElement.set(decision.element, []);
      byElement.get(decision.element).push(decision);
    }
    this.table.hidden = decisions.length === 0;
    this.none.hidden = decisions.length !== 0;
    this.mark(byElement);
  }

  // One badge per element with its rule IDs; a refused rule marks the element red.
  mark(byElement) {
    const registry = this.ws.bpmn.get("elementRegistry");
    const canvas = this.ws.bpmn.get("canvas");
    const overlays = this.ws.bpmn.get("overlays");
    for (const [element, decisions] of byElement) {
      if (!registry.get(element)) continue;
      const refused = decisions.some((d) => !d.passed);
      const badge = document.createElement("span");
      badge.className = `rule-badge${refused ? " refused" : ""}`;
      badge.dataset.element = element;
      badge.textContent = [...new Set(decisions.map((d) => d.rule))].join(" ");
      badge.title = `${this.ws.t.decidedHere}: ${decisions
        .map((d) => `${d.rule} ${d.passed ? this.ws.t.passed : this.ws.t.refused}`)
        .join(", ")}`;
      this.overlays.push(
        overlays.add(element, "rules", { position: { top: -12, left: 0 }, html: badge }),
      );
      if (refused) {
        canvas.addMarker(element, REFUSED_MARKER);
        this.marked.push(element);
      }
    }
  }
}

function cell(content) {
  const td = document.createElement("td");
  td.append(content);
  return td;
}
