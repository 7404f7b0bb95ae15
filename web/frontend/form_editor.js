// The task forms of a draft, edited as fields rather than as JSON (issue 13).
//
// Each user task (and the start event) has one form, the file `<process>.<task id>.json` of
// the draft: a JSON Schema with the sithsflow keywords of forms/README.md. This editor lists
// the tasks of the diagram, each with its form, and edits a form's title and its fields
// (name, label and help in Swedish and English, type, required, choices, order). A user task
// added in the modeler gets an empty form at once. Every change is written back into the
// draft's files, so "Save draft" keeps it and "Check" validates it with the deploy's own
// check; the server's problems are shown at their task and field. Keywords the editor does
// not know (pattern, x-normalise, …) are kept as they are. The server decides; this file
// only edits and shows.
import "./form_editor.css";

const SCHEMA = "https://json-schema.org/draft/2020-12/schema";
const DATE_FORMAT = "date-or-aware-date-time";
const DATE_PATTERN =
  "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$";
const DATE_INVALID = {
  sv: "måste vara ett datum (2026-12-07) eller en tid med tidszon (2026-12-07T15:00:00+01:00)",
  en: "must be a date (2026-12-07) or a time with a time zone (2026-12-07T15:00:00+01:00)",
};
// web/form_fields.py shows a text field of this maxLength or more as a text area.
const LONG_TEXT_LENGTH = 2000;
const TEXTAREA_FROM_LENGTH = 200;
const FIELD_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const TYPES = ["text", "longtext", "date", "choice"];

function typeOf(spec) {
  if ("enum" in spec) return "choice";
  if (spec.format === DATE_FORMAT) return "date";
  if ((spec.maxLength || 0) >= TEXTAREA_FROM_LENGTH) return "longtext";
  return "text";
}

// A field's keywords for a new type; the keywords of the old type go, all others stay.
// Values arrive as text (forms/README.md), so every type is a JSON string.
function retype(spec, type) {
  const next = { ...spec, type: "string" };
  const was = typeOf(spec);
  if (was === "choice") {
    delete next.enum;
    delete next["x-enum-labels-sv"];
    delete next["x-enum-labels-en"];
  }
  if (was === "date") {
    delete next.format;
    if (next.pattern === DATE_PATTERN) delete next.pattern;
  }
  if (was === "longtext") delete next.maxLength;
  if (!next.pattern && !next.format) {
    delete next["x-invalid-sv"];
    delete next["x-invalid-en"];
  }
  if (type === "choice") {
    next.enum = [];
    next["x-enum-labels-sv"] = {};
    next["x-enum-labels-en"] = {};
  } else if (type === "date") {
    next.pattern = DATE_PATTERN;
    next.format = DATE_FORMAT;
    next["x-invalid-sv"] = next["x-invalid-sv"] || DATE_INVALID.sv;
    next["x-invalid-en"] = next["x-invalid-en"] || DATE_INVALID.en;
  } else if (type === "longtext") {
    next.maxLength = LONG_TEXT_LENGTH;
  }
  return next;
}

// Choices as text, one a line: "value; Swedish label; English label".
function choicesText(spec) {
  const sv = spec["x-enum-labels-sv"] || {};
  const en = spec["x-enum-labels-en"] || {};
  return (Array.isArray(spec.enum) ? spec.enum : []).map((v) => `${v}; ${sv[v] || ""}; ${en[v] || ""}`).join("\n");
}

function parseChoices(text) {
  const values = [];
  const sv = {};
  const en = {};
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const [value, labelSv, labelEn] = line.split(";").map((part) => (part || "").trim());
    if (!value || values.includes(value)) continue;
    values.push(value);
    sv[value] = labelSv || value;
    en[value] = labelEn || labelSv || value;
  }
  return { enum: values, "x-enum-labels-sv": sv, "x-enum-labels-en": en };
}

export function emptyForm(title) {
  return {
    $schema: SCHEMA,
    title,
    "x-title-en": title,
    "x-rules": [],
    type: "object",
    properties: {},
    required: [],
    additionalProperties: false,
  };
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children);
  return node;
}

export class FormEditor {
  constructor(workspace) {
    this.ws = workspace;
    this.t = workspace.config.formStrings;
    this.process = workspace.config.process;
    this.created = new Set(); // form ids this page made for new tasks
    this.problems = new Map(); // form id -> [{field, message}]
    this.chosen = null;
    this.taskChoice = document.getElementById("form-task");
    this.box = document.getElementById("form-fields-editor");
    this.status = document.getElementById("form-editor-status");
    this.titles = new Map(); // form id -> the title this page gave its new form
    this.taskChoice.addEventListener("change", () => this.show(this.taskChoice.value));
    document.getElementById("insert-user-task").addEventListener("click", () => this.insertTask());
    workspace.bpmn.on("elements.changed", () => this.sync());
    workspace.bpmn.on("selection.changed", ({ newSelection }) => {
      const [picked] = newSelection;
      const formId = picked ? this.formIdOf(picked) : null;
      if (formId && formId !== this.chosen) this.show(formId);
    });
  }

  start() {
    this.sync();
    if (!this.chosen && this.taskChoice.options.length) this.show(this.taskChoice.options[0].value);
  }

  fileOf(formId) {
    return `${this.process}.${formId}.json`;
  }

  // A user task's form has its id; the process's start event (not a subprocess's) "start".
  formIdOf(shape) {
    if (shape.type === "bpmn:UserTask") return shape.id;
    const parent = shape.parent ? shape.parent.type : "";
    if (shape.type === "bpmn:StartEvent" && (parent === "bpmn:Process" || parent === "bpmn:Participant")) {
      return "start";
    }
    return null;
  }

  // The tasks of the diagram that carry a form, in the order of the diagram's ids.
  tasks() {
    const found = [];
    for (const shape of this.ws.bpmn.get("elementRegistry").getAll()) {
      const formId = shape.type === "label" ? null : this.formIdOf(shape);
      if (formId && !found.some((t) => t.formId === formId)) {
        found.push({ formId, name: shape.businessObject.name || shape.id });
      }
    }
    return found.sort((a, b) => (a.formId === "start" ? -1 : b.formId === "start" ? 1 : a.formId.localeCompare(b.formId)));
  }

  // A user task new to the diagram gets an empty form to fill in; the form of a task this
  // page added and then removed goes with it.
  sync() {
    const tasks = this.tasks();
    const ids = new Set(tasks.map((t) => t.formId));
    for (const { formId, name } of tasks) {
      const file = this.fileOf(formId);
      if (!(file in this.ws.files)) {
        this.write(formId, emptyForm(name));
        this.created.add(formId);
        this.titles.set(formId, name);
        this.ws.fileChoice.append(new Option(file, file));
      } else if (this.titles.has(formId) && this.titles.get(formId) !== name) {
        // A new task named after its form was made: the untouched title follows the name.
        const form = this.read(formId);
        if (form && form.title === this.titles.get(formId) && form["x-title-en"] === form.title) {
          form.title = name;
          form["x-title-en"] = name;
          this.write(formId, form);
          this.titles.set(formId, name);
          if (formId === this.chosen) this.render();
        }
      }
    }
    for (const formId of [...this.created]) {
      if (ids.has(formId)) continue;
      this.created.delete(formId);
      this.titles.delete(formId);
      const file = this.fileOf(formId);
      delete this.ws.files[file];
      const option = [...this.ws.fileChoice.options].find((o) => o.value === file);
      if (option && this.ws.current !== file) option.remove();
    }
    this.listTasks(tasks);
    if (this.chosen && !ids.has(this.chosen)) this.show(tasks.length ? tasks[0].formId : null);
  }

  listTasks(tasks = this.tasks()) {
    const options = tasks.map(({ formId, name }) => {
      const form = this.read(formId);
      const count = form ? Object.keys(form.properties || {}).length : 0;
      const faults = (this.problems.get(formId) || []).length;
      let text = `${name} (${formId}) · ${this.t.fieldCount.replace("{count}", count)}`;
      if (faults) text += ` · ${this.t.problemCount.replace("{count}", faults)}`;
      return new Option(text, formId);
    });
    this.taskChoice.replaceChildren(...options);
    if (this.chosen) this.taskChoice.value = this.chosen;
  }

  read(formId) {
    const text = this.ws.files[this.fileOf(formId)];
    if (text === undefined) return null;
    try {
      return JSON.parse(text);
    } catch (error) {
      return undefined;
    }
  }

  write(formId, form) {
    const file = this.fileOf(formId);
    this.ws.files[file] = JSON.stringify(form, null, 2);
    // The same file open as JSON beside us shows the change, and is not written back stale.
    if (this.ws.current === file) document.getElementById("form-json").value = this.ws.files[file];
  }

  async show(formId, focusField = null) {
    // Edits typed into the JSON view of this form count first.
    if (this.ws.current && this.ws.current.endsWith(".json")) {
      try {
        await this.ws.keepCurrent();
      } catch (error) {
        this.say(this.t.notJson, "error");
        this.taskChoice.value = this.chosen || "";
        return;
      }
    }
    this.chosen = formId;
    if (formId) this.taskChoice.value = formId;
    this.render(focusField);
  }

  say(text, kind = "info") {
    this.status.textContent = text;
    this.status.className = `form-editor-status notice ${kind}`;
  }

  // A change of the form's shape (fields added, moved, retyped…): drawn again, the focus
  // put back where the keyboard expects it.
  change(mutate, refocus = null) {
    this.update(mutate);
    this.render(refocus);
  }

  // A change of a text or a box: written to the draft, the page left as the person has it.
  update(mutate) {
    const form = this.read(this.chosen);
    mutate(form);
    this.write(this.chosen, form);
    this.listTasks();
  }

  render(focusField = null) {
    this.box.replaceChildren();
    if (!this.chosen) {
      this.box.append(element("p", { text: this.t.noTasks }));
      return;
    }
    const form = this.read(this.chosen);
    if (form === undefined) {
      this.box.append(element("p", { class: "form-problem", text: this.t.notJson }));
      return;
    }
    const faults = this.problems.get(this.chosen) || [];
    const formFaults = faults.filter((p) => !p.field || !(form.properties || {})[p.field]);
    if (formFaults.length) {
      const list = element("ul", { class: "form-problems", id: "form-problems" });
      for (const fault of formFaults) list.append(element("li", { class: "form-problem", text: fault.message }));
      this.box.append(list);
    }
    const head = element("div", { class: "form-head" });
    head.append(
      this.input("form-title-sv", this.t.formTitleSv, form.title || "", (value) =>
        this.update((f) => { f.title = value; })),
      this.input("form-title-en", this.t.formTitleEn, form["x-title-en"] || "", (value) =>
        this.update((f) => { f["x-title-en"] = value; })),
    );
    this.box.append(head);
    const names = Object.keys(form.properties || {});
    const list = element("ol", { class: "form-fields", "aria-label": this.t.fields });
    names.forEach((name, index) => list.append(this.fieldEditor(form, name, index, names.length, faults)));
    this.box.append(list);
    if (!names.length) this.box.append(element("p", { class: "form-empty", text: this.t.noFields }));
    const add = element("button", { type: "button", id: "form-add-field", text: this.t.addField });
    add.addEventListener("click", () => this.addField());
    this.box.append(add);
    if (focusField) {
      const target = document.getElementById(focusField);
      if (target) target.focus();
    }
  }

  input(id, label, value, onChange, { multiline = false, describedBy = null } = {}) {
    const field = element("div", { class: "field" });
    const control = multiline
      ? element("textarea", { id, rows: 2 })
      : element("input", { id, type: "text" });
    control.value = value;
    if (describedBy) control.setAttribute("aria-describedby", describedBy);
    control.addEventListener("change", () => onChange(control.value));
    field.append(element("label", { for: id, text: label }), control);
    return field;
  }

  fieldEditor(form, name, index, count, faults) {
    const spec = form.properties[name];
    const id = (part) => `form-field-${index}-${part}`;
    const mine = faults.filter((p) => p.field === name);
    const label = spec.title || name;
    const item = element("li", { class: "form-field", "data-field": name });
    const box = element("fieldset", { "aria-invalid": mine.length ? "true" : null });
    const legend = (text) => this.t.fieldLegend.replace("{number}", index + 1).replace("{label}", text);
    const title = element("legend", { text: legend(label) });
    box.append(title);
    let describedBy = null;
    if (mine.length) {
      describedBy = id("problems");
      const list = element("ul", { class: "form-problems", id: describedBy });
      for (const fault of mine) list.append(element("li", { class: "form-problem", text: fault.message }));
      box.append(list);
    }
    const edit = (mutate) => this.update((f) => mutate(f.properties[name], f));
    // Name and type, then the labels and the help side by side (Swedish, English).
    box.append(this.input(id("name"), this.t.fieldName, name, (value) => this.rename(name, value, id("type")), { describedBy }));
    const typeField = element("div", { class: "field" });
    const type = element("select", { id: id("type") });
    for (const kind of TYPES) type.append(new Option(this.t[`type_${kind}`], kind));
    type.value = typeOf(spec);
    type.addEventListener("change", () =>
      this.change((f) => { f.properties[name] = retype(f.properties[name], type.value); }, id("type")));
    typeField.append(element("label", { for: id("type"), text: this.t.fieldType }), type);
    box.append(typeField);
    if (typeOf(spec) === "choice") {
      const choices = this.input(id("choices"), this.t.choices, choicesText(spec), (v) =>
        edit((s) => Object.assign(s, parseChoices(v))), { multiline: true, describedBy: id("choices-help") });
      choices.classList.add("wide");
      choices.append(element("p", { class: "help", id: id("choices-help"), text: this.t.choicesHelp }));
      box.append(choices);
    }
    if (spec.pattern && typeOf(spec) !== "date") {
      box.append(element("p", { class: "help wide", text: `${this.t.patternKept}: ${spec.pattern}` }));
    }
    box.append(
      this.input(id("label-sv"), this.t.labelSv, spec.title || "", (v) => {
        edit((s) => { s.title = v; });
        title.textContent = legend(v || name);
      }, { describedBy }),
      this.input(id("label-en"), this.t.labelEn, spec["x-title-en"] || "", (v) => edit((s) => { s["x-title-en"] = v; })),
      this.input(id("help-sv"), this.t.helpSv, spec["x-help-sv"] || "", (v) => edit((s) => { s["x-help-sv"] = v; }), { multiline: true }),
      this.input(id("help-en"), this.t.helpEn, spec["x-help-en"] || "", (v) => edit((s) => { s["x-help-en"] = v; }), { multiline: true }),
    );
    const required = element("div", { class: "field field-check wide" });
    const check = element("input", { id: id("required"), type: "checkbox" });
    check.checked = (form.required || []).includes(name);
    check.addEventListener("change", () => this.update((f) => {
      const rest = (f.required || []).filter((n) => n !== name);
      f.required = check.checked ? [...rest, name] : rest;
    }));
    required.append(check, element("label", { for: id("required"), text: this.t.required }));
    box.append(required);
    const actions = element("div", { class: "form-field-actions" });
    const button = (action, text, disabled, onClick) => {
      const b = element("button", { type: "button", "data-action": action, "aria-label": `${text}: ${label}`, text, disabled });
      b.addEventListener("click", onClick);
      actions.append(b);
    };
    button("up", this.t.moveUp, index === 0, () => this.move(name, -1));
    button("down", this.t.moveDown, index === count - 1, () => this.move(name, 1));
    button("remove", this.t.remove, false, () => this.remove(name));
    box.append(actions);
    item.append(box);
    return item;
  }

  addField() {
    const form = this.read(this.chosen);
    const names = Object.keys(form.properties || {});
    let number = names.length + 1;
    while (names.includes(`field_${number}`)) number += 1;
    const name = `field_${number}`;
    this.change((f) => {
      f.properties = {
        ...(f.properties || {}),
        [name]: {
          type: "string",
          title: this.t.newFieldSv,
          "x-title-en": this.t.newFieldEn,
          "x-help-sv": "",
          "x-help-en": "",
        },
      };
    }, `form-field-${names.length}-label-sv`);
    this.say(this.t.fieldAdded.replace("{name}", name), "success");
  }

  // Properties keep their order in the JSON text, and the forms show fields in that order.
  reorder(form, names) {
    const properties = {};
    for (const name of names) properties[name] = form.properties[name];
    form.properties = properties;
  }

  move(name, step) {
    const form = this.read(this.chosen);
    const names = Object.keys(form.properties);
    const from = names.indexOf(name);
    const to = from + step;
    if (to < 0 || to >= names.length) return;
    names.splice(from, 1);
    names.splice(to, 0, name);
    this.change((f) => this.reorder(f, names), `form-field-${to}-name`);
    const where = step < 0 ? this.t.movedUp : this.t.movedDown;
    this.say(where.replace("{name}", name), "success");
  }

  remove(name) {
    const form = this.read(this.chosen);
    const names = Object.keys(form.properties);
    const index = names.indexOf(name);
    this.change((f) => {
      delete f.properties[name];
      f.required = (f.required || []).filter((n) => n !== name);
    });
    const next = Math.min(index, names.length - 2);
    const focus = document.getElementById(next >= 0 ? `form-field-${next}-name` : "form-add-field");
    if (focus) focus.focus();
    this.say(this.t.fieldRemoved.replace("{name}", name), "success");
  }

  rename(old, name, focus) {
    const form = this.read(this.chosen);
    if (name === old) return;
    if (!FIELD_NAME.test(name) || name in form.properties) {
      this.render(focus);
      this.say(this.t.badFieldName.replace("{name}", name), "error");
      return;
    }
    this.change((f) => {
      const properties = {};
      for (const [key, spec] of Object.entries(f.properties)) properties[key === old ? name : key] = spec;
      f.properties = properties;
      f.required = (f.required || []).map((n) => (n === old ? name : n));
    }, focus);
  }

  // A user task after the selected element, on its outgoing flow (source → new task →
  // the flow's old target), named and given an empty form: the keyboard's way to add a
  // task without drawing on the canvas.
  insertTask() {
    const bpmn = this.ws.bpmn;
    const [source] = bpmn.get("selection").get();
    const flows = source && source.outgoing ? source.outgoing.filter((c) => c.type === "bpmn:SequenceFlow") : [];
    const isNode = source && !source.waypoints && source.type !== "label" && !/EndEvent$|Lane$|Participant$|Process$/.test(source.type);
    if (!isNode || flows.length > 1) {
      this.say(this.t.insertWhere, "error");
      return;
    }
    const shape = bpmn.get("elementFactory").createShape({ type: "bpmn:UserTask" });
    const placed = bpmn.get("autoPlace").append(source, shape);
    if (flows.length === 1) {
      const middle = { x: placed.x + placed.width / 2, y: placed.y + placed.height / 2 };
      bpmn.get("modeling").reconnectStart(flows[0], placed, middle);
    }
    const name = document.getElementById("new-task-name").value.trim();
    if (name) bpmn.get("modeling").updateLabel(placed, name);
    bpmn.get("selection").select(placed);
    this.show(placed.id, "form-add-field");
    this.say(this.t.taskInserted.replace("{name}", name || placed.id), "success");
  }

  // The server's problems (the deploy check), at their task and field: a form file's
  // problems by field, a missing form at its task; each listed problem links here.
  showProblems(problems) {
    this.problems = new Map();
    const prefix = `${this.process}.`;
    for (const problem of problems) {
      if (!problem.file || !problem.file.startsWith(prefix) || !problem.file.endsWith(".json")) continue;
      const formId = problem.file.slice(prefix.length, -".json".length);
      if (!this.problems.has(formId)) this.problems.set(formId, []);
      this.problems.get(formId).push({ field: problem.field || null, message: problem.message });
    }
    for (const item of document.querySelectorAll("#problems li")) {
      const file = item.dataset.file || "";
      if (!file.startsWith(prefix) || !file.endsWith(".json")) continue;
      const formId = file.slice(prefix.length, -".json".length);
      const open = element("button", { type: "button", class: "link", text: this.t.openForm });
      open.addEventListener("click", () => this.openAt(formId));
      item.append(" ", open);
    }
    this.listTasks();
    if (this.chosen) this.render();
    const first = [...this.problems.keys()][0];
    if (first && !this.problems.has(this.chosen)) this.show(first);
  }

  openAt(formId) {
    const form = this.read(formId);
    const faults = this.problems.get(formId) || [];
    const names = Object.keys((form && form.properties) || {});
    const index = faults.length && faults[0].field ? names.indexOf(faults[0].field) : -1;
    this.show(formId, index >= 0 ? `form-field-${index}-name` : "form-title-sv");
    document.getElementById("task-forms").scrollIntoView();
  }
}
