// Open incidents per element of a process version on the diagram (issue 13): each count
// links to the incident list filtered to that element and version, which lists the cases
// as the incident page allows its reader. The server counts; this only shows (simwatch).
import { elementName } from "./properties.js";

export class Incidents {
  constructor(workspace) {
    this.ws = workspace;
    this.overlays = [];
    this.choice = document.getElementById("incident-version");
    for (const version of [...workspace.config.versions].reverse()) {
      this.choice.append(new Option(String(version), String(version)));
    }
    this.choice.value = String(workspace.config.basedOnVersion);
    document.getElementById("show-incidents").addEventListener("click", () => this.ws.run(() => this.show()));
  }

  async show() {
    const overlays = this.ws.bpmn.get("overlays");
    const registry = this.ws.bpmn.get("elementRegistry");
    for (const id of this.overlays) overlays.remove(id);
    this.overlays = [];
    const list = document.getElementById("incident-list");
    list.replaceChildren();
    const version = this.choice.value;
    const url = `${this.ws.config.incidentsUrl}?version=${encodeURIComponent(version)}`;
    const response = await fetch(url, { credentials: "same-origin" });
    const answer = await response.json().catch(() => ({ message: response.statusText }));
    if (!response.ok) {
      this.ws.say(`${this.ws.t.failed}: ${answer.message}`, "error");
      return;
    }
    for (const found of answer.elements) {
      const text = this.ws.t.incidentsHere
        .replace("{count}", found.incidents)
        .replace("{cases}", found.cases);
      const item = document.createElement("li");
      item.dataset.element = found.element;
      const link = document.createElement("a");
      link.href = found.url;
      link.textContent = `${elementName(registry, found.element)}: ${text}`;
      item.append(link);
      list.append(item);
      if (!registry.get(found.element)) continue;
      const badge = document.createElement("a");
      badge.className = "incident-badge";
      badge.href = found.url;
      badge.dataset.element = found.element;
      badge.textContent = `⚠ ${found.incidents}`;
      badge.setAttribute("aria-label", `${elementName(registry, found.element)}: ${text}`);
      this.overlays.push(
        overlays.add(found.element, "incidents", { position: { top: -12, right: 12 }, html: badge }),
      );
    }
    const said = answer.elements.length ? this.ws.t.incidentsShown : this.ws.t.noIncidents;
    this.ws.say(said.replace("{version}", answer.version), "info");
  }
}
