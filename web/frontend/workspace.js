// The process owner's modeler page (issue 13): the draft's BPMN in bpmn-js, its DMN tables in
// dmn-js and its forms as JSON; save the draft, check it on the server (the deploy
// validation, its problems listed and marked on the elements) and deploy it. The server
// decides everything (S1, the checks); this file only edits and shows.
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "bpmn-js/dist/assets/bpmn-font/css/bpmn.css";
import "dmn-js/dist/assets/dmn-js-shared.css";
import "dmn-js/dist/assets/dmn-js-drd.css";
import "dmn-js/dist/assets/dmn-js-decision-table.css";
import "dmn-js/dist/assets/dmn-js-decision-table-controls.css";
import "dmn-js/dist/assets/dmn-js-literal-expression.css";
import "dmn-js/dist/assets/dmn-font/css/dmn.css";
import "./workspace.css";

import BpmnModeler from "bpmn-js/lib/Modeler";
import DmnModeler from "dmn-js/lib/Modeler";

import spiffworkflow from "./spiffworkflow.json";
import { PropertiesPanel } from "./properties.js";
import { Watching } from "./watching.js";
import { FormEditor } from "./form_editor.js";

const PROBLEM_MARKER = "has-problem";

function readJson(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

function csrfToken() {
  const input = document.querySelector("input[name=csrf_token]");
  return input ? input.value : "";
}

class Workspace {
  constructor(config, files) {
    this.config = config;
    this.t = config.strings;
    this.files = files;
    this.current = null;
    this.dmn = null;
    this.problemOverlays = [];
    this.status = document.getElementById("workspace-status");
    this.bpmnFile = `${config.process}.bpmn`;
    this.bpmn = new BpmnModeler({
      container: "#bpmn-canvas",
      moddleExtensions: { spiffworkflow },
    });
    this.panel = new PropertiesPanel(document.getElementById("properties"), this.bpmn, config);
    this.elementChoice = document.getElementById("element-choice");
    this.elementChoice.addEventListener("change", () => {
      if (this.elementChoice.value) this.select(this.elementChoice.value, false);
    });
    this.bpmn.on("selection.changed", ({ newSelection }) => {
      this.elementChoice.value = newSelection.length ? newSelection[0].id : "";
    });
    this.bpmn.on("elements.changed", () => this.listElements());
    this.fileChoice = document.getElementById("file-choice");
    for (const name of Object.keys(files).sort(byKind)) {
      this.fileChoice.append(new Option(name, name));
    }
    this.fileChoice.value = this.bpmnFile;
    this.fileChoice.addEventListener("change", () => this.open(this.fileChoice.value));
    document.getElementById("save-draft").addEventListener("click", () => this.run(() => this.save()));
    document.getElementById("check-draft").addEventListener("click", () => this.run(() => this.check()));
    document.getElementById("deploy-draft").addEventListener("click", () => this.run(() => this.deploy()));
    document.getElementById("add-form").addEventListener("click", () => this.run(() => this.formOfSelection()));
    this.watching = new Watching(this, config.scenarios);
    this.forms = new FormEditor(this);
    this.confirmDeploy = document.getElementById("confirm-deploy");
    this.confirmDeploy.addEventListener("click", () => this.run(() => this.confirmedDeploy()));
  }

  async start() {
    await this.bpmn.importXML(this.files[this.bpmnFile]);
    // Fit, then leave room on the left for the palette that floats over the canvas.
    const canvas = this.bpmn.get("canvas");
    canvas.zoom("fit-viewport", "auto");
    canvas.zoom(canvas.zoom() * 0.85, "auto");
    canvas.scroll({ dx: 40, dy: 0 });
    this.current = this.bpmnFile;
    this.listElements();
    this.panel.show(null);
    this.forms.start();
    document.body.dataset.workspace = "ready";
  }

  async run(action) {
    const buttons = document.querySelectorAll(".workspace-toolbar button");
    buttons.forEach((b) => (b.disabled = true));
    try {
      await action();
    } catch (error) {
      this.say(`${this.t.failed}: ${error.message}`, "error");
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  }

  say(text, kind = "info") {
    this.status.textContent = text;
    this.status.className = `workspace-status notice ${kind}`;
  }

  async keepCurrent() {
    const name = this.current;
    if (name === this.bpmnFile) {
      this.files[name] = (await this.bpmn.saveXML({ format: true })).xml;
    } else if (name && name.endsWith(".dmn") && this.dmn) {
      this.files[name] = (await this.dmn.saveXML({ format: true })).xml;
    } else if (name && name.endsWith(".json")) {
      const text = document.getElementById("form-json").value;
      JSON.parse(text); // refuse to keep a form that is not JSON, before it is lost
      this.files[name] = text;
    }
  }

  async open(name) {
    try {
      await this.keepCurrent();
    } catch (error) {
      this.fileChoice.value = this.current;
      this.say(this.t.invalidJson, "error");
      return;
    }
    this.current = name;
    const bpmnView = document.getElementById("bpmn-canvas");
    const dmnView = document.getElementById("dmn-canvas");
    const formView = document.getElementById("form-editor");
    bpmnView.hidden = name !== this.bpmnFile;
    dmnView.hidden = !name.endsWith(".dmn");
    formView.hidden = !name.endsWith(".json");
    if (name.endsWith(".dmn")) {
      if (!this.dmn) this.dmn = new DmnModeler({ container: "#dmn-canvas" });
      await this.dmn.importXML(this.files[name]);
    } else if (name.endsWith(".json")) {
      document.getElementById("form-json").value = this.files[name];
    }
  }

  async request(url, method, body) {
    const response = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    const answer = await response.json().catch(() => ({ message: response.statusText }));
    return { ok: response.ok, answer };
  }

  async save() {
    this.confirmDeploy.hidden = true;
    this.say(this.t.saving);
    try {
      await this.keepCurrent();
    } catch (error) {
      this.say(this.t.invalidJson, "error");
      return false;
    }
    const { ok, answer } = await this.request(this.config.draftUrl, "PUT", { files: this.files });
    if (!ok) {
      this.say(`${this.t.failed}: ${answer.message}`, "error");
      return false;
    }
    this.say(this.t.saved, "success");
    return true;
  }

  async check() {
    this.confirmDeploy.hidden = true;
    if (!(await this.save())) return false;
    this.say(this.t.checking);
    const { ok, answer } = await this.request(this.config.checkUrl, "POST", {});
    if (!ok) {
      this.say(`${this.t.failed}: ${answer.message}`, "error");
      return false;
    }
    this.showProblems(answer.problems);
    this.showChanges(answer.changes);
    if (answer.problems.length === 0) this.say(this.t.noProblems, "success");
    else this.say(`${this.t.problems}: ${answer.problems.length}`, "error");
    return answer.problems.length === 0;
  }

  // Deploy: the saved draft is checked and its diff against the active version shown
  // first; only the confirmation deploys, and it deploys exactly what was checked.
  async deploy() {
    if (!(await this.check())) return;
    this.confirmDeploy.hidden = false;
    this.confirmDeploy.focus();
  }

  async confirmedDeploy() {
    this.confirmDeploy.hidden = true;
    this.say(this.t.deploying);
    const { ok, answer } = await this.request(this.config.deployUrl, "POST", {});
    if (!ok) {
      this.showProblems(answer.problems || []);
      this.say(`${this.t.failed}: ${answer.message}`, "error");
      return;
    }
    this.showProblems([]);
    this.showChanges(answer.changes);
    const process = answer.deployed.find((d) => d.kind === "process" && d.id === this.config.process);
    if (process && process.new) {
      this.say(this.t.deployed.replace("{version}", process.version), "success");
    } else {
      this.say(this.t.unchanged, "info");
    }
  }

  // The form of the selected user task or start event: opened, or made from a template
  // that meets the form conventions (engine/forms.py) for the owner to fill in.
  async formOfSelection() {
    const [element] = this.bpmn.get("selection").get();
    const kind = element ? element.type : "";
    if (kind !== "bpmn:UserTask" && kind !== "bpmn:StartEvent") {
      this.say(this.t.selectTask, "error");
      return;
    }
    const formId = kind === "bpmn:StartEvent" ? "start" : element.id;
    const name = `${this.config.process}.${formId}.json`;
    if (!(name in this.files)) {
      const title = element.businessObject.name || element.id;
      const schema = {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        title,
        "x-title-en": title,
        "x-rules": [],
        type: "object",
        additionalProperties: false,
        properties: {
          note: {
            type: "string",
            title: "Anteckning",
            "x-title-en": "Note",
            "x-help-sv": "Skriv vad du gjorde.",
            "x-help-en": "Write what you did.",
          },
        },
        required: [],
      };
      this.files[name] = JSON.stringify(schema, null, 2);
      this.fileChoice.append(new Option(name, name));
    }
    this.fileChoice.value = name;
    await this.open(name);
    document.getElementById("form-json").focus();
  }

  clearProblems() {
    const canvas = this.bpmn.get("canvas");
    const overlays = this.bpmn.get("overlays");
    for (const { element, overlay } of this.problemOverlays) {
      canvas.removeMarker(element, PROBLEM_MARKER);
      overlays.remove(overlay);
    }
    this.problemOverlays = [];
  }

  showProblems(problems) {
    this.clearProblems();
    const list = document.getElementById("problems");
    list.replaceChildren();
    const registry = this.bpmn.get("elementRegistry");
    const canvas = this.bpmn.get("canvas");
    const overlays = this.bpmn.get("overlays");
    const marked = new Set();
    for (const problem of problems) {
      const item = document.createElement("li");
      item.dataset.element = problem.element || "";
      item.dataset.file = problem.file || "";
      const where = document.createElement("span");
      where.className = "problem-where";
      where.textContent = `${problem.file}${problem.element ? ` · ${problem.element}` : ""}: `;
      const text = document.createElement("span");
      text.textContent = problem.message;
      const element = problem.file === this.bpmnFile && problem.element
        ? registry.get(problem.element)
        : null;
      if (element) {
        const show = document.createElement("button");
        show.type = "button";
        show.className = "link";
        show.textContent = `${this.t.element} ${problem.element}`;
        show.addEventListener("click", () => this.select(problem.element));
        item.append(where, text, " ", show);
        if (!marked.has(element.id)) {
          marked.add(element.id);
          canvas.addMarker(element.id, PROBLEM_MARKER);
          const badge = document.createElement("span");
          badge.className = "problem-badge";
          badge.textContent = "!";
          badge.title = this.t.problemOn;
          badge.dataset.element = element.id;
          const overlay = overlays.add(element.id, "problem", {
            position: { top: -10, right: 10 },
            html: badge,
          });
          this.problemOverlays.push({ element: element.id, overlay });
        }
      } else {
        item.append(where, text);
      }
      list.append(item);
    }
    this.forms.showProblems(problems);
  }

  // Every element by name and id, so the keyboard reaches each one outside the canvas.
  listElements() {
    const chosen = this.elementChoice.value;
    const root = this.bpmn.get("canvas").getRootElement();
    const options = [new Option(this.t.noSelection, "")];
    const elements = this.bpmn.get("elementRegistry")
      .filter((e) => e !== root && e.type !== "label" && e.businessObject)
      .sort((a, b) => a.id.localeCompare(b.id));
    for (const element of elements) {
      const name = element.businessObject.name;
      options.push(new Option(name ? `${name} (${element.id})` : element.id, element.id));
    }
    this.elementChoice.replaceChildren(...options);
    this.elementChoice.value = chosen;
  }

  async select(elementId, focusPanel = true) {
    if (this.current !== this.bpmnFile) {
      this.fileChoice.value = this.bpmnFile;
      await this.open(this.bpmnFile);
    }
    const element = this.bpmn.get("elementRegistry").get(elementId);
    this.bpmn.get("selection").select(element);
    this.bpmn.get("canvas").scrollToElement(element);
    const first = document.querySelector("#properties input, #properties select");
    if (first && focusPanel) first.focus();
  }

  showChanges(changes) {
    const box = document.getElementById("changes");
    box.replaceChildren();
    if (!changes) return;
    const list = document.createElement("ul");
    for (const category of ["tasks", "forms", "timers", "rules", "decisions"]) {
      for (const how of ["added", "removed", "changed"]) {
        const ids = (changes[category] || {})[how] || [];
        if (!ids.length) continue;
        const item = document.createElement("li");
        item.dataset.category = category;
        item.textContent = `${this.t[category]}: ${this.t[how]} ${ids.join(", ")}`;
        list.append(item);
      }
    }
    if (!list.children.length) {
      const none = document.createElement("p");
      none.textContent = this.t.unchanged;
      box.append(none);
    } else {
      box.append(list);
    }
  }
}

function byKind(a, b) {
  const rank = (name) => (name.endsWith(".bpmn") ? 0 : name.endsWith(".json") ? 1 : 2);
  return rank(a) - rank(b) || a.localeCompare(b);
}

document.addEventListener("DOMContentLoaded", () => {
  const workspace = new Workspace(readJson("workspace-config"), readJson("workspace-draft"));
  workspace.start().catch((error) => {
    workspace.say(`${workspace.t.failed}: ${error.message}`, "error");
  });
});
