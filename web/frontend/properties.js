// The properties panel: the selected element's label, timer or condition, and its sithsflow
// extension properties (spiffworkflow:property), offered as the typed schema of
// engine/process_properties.py allows them (served in the page's config). Every edit goes
// through bpmn-js's modeling commands, so undo works and the XML stays the modeler's own.

const SPIFF = "spiffworkflow:Properties";

function kindOf(element) {
  return element.type.replace(/^bpmn:/, "");
}

function schemaFor(properties, kind) {
  return properties.filter((p) => p.elements.includes("*") || p.elements.includes(kind));
}

export function extensionProperties(bo) {
  const ext = bo.extensionElements;
  const holder = ext && (ext.values || []).find((v) => v.$type === SPIFF);
  return { ext, holder, list: holder ? holder.properties || [] : [] };
}

// An element as the page's reader reads it: its English name (`name_en`) on an English
// page, else its name; the id only for an element without a name.
export function elementName(registry, id) {
  const element = registry.get(id);
  const bo = element && element.businessObject;
  if (!bo) return id;
  if (document.documentElement.lang === "en") {
    const english = extensionProperties(bo).list.find((p) => p.name === "name_en");
    if (english && english.value) return english.value;
  }
  return bo.name || id;
}

function timerDefinition(bo) {
  return (bo.eventDefinitions || []).find((d) => d.$type === "bpmn:TimerEventDefinition");
}

function field(id, labelText, control, help) {
  const wrap = document.createElement("div");
  wrap.className = "field";
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = labelText;
  control.id = id;
  wrap.append(label, control);
  if (help) {
    const note = document.createElement("p");
    note.className = "help";
    note.id = `${id}-help`;
    note.textContent = help;
    control.setAttribute("aria-describedby", note.id);
    wrap.append(note);
  }
  return wrap;
}

function textInput(value) {
  const input = document.createElement("input");
  input.type = "text";
  input.value = value || "";
  return input;
}

export class PropertiesPanel {
  constructor(form, modeler, config) {
    this.form = form;
    this.modeler = modeler;
    this.schema = config.properties;
    this.t = config.strings;
    this.element = null;
    form.addEventListener("submit", (event) => event.preventDefault());
    modeler.on("selection.changed", ({ newSelection }) => this.show(newSelection[0] || null));
    modeler.on("element.changed", ({ element }) => {
      if (this.element && element.id === this.element.id && !this.form.contains(document.activeElement)) {
        this.show(element);
      }
    });
  }

  show(element) {
    this.element = element;
    this.form.replaceChildren();
    if (!element || element.type === "label") {
      const note = document.createElement("p");
      note.textContent = this.t.noSelection;
      this.form.append(note);
      return;
    }
    const bo = element.businessObject;
    const kind = kindOf(element);
    const heading = document.createElement("p");
    heading.className = "element-id";
    heading.textContent = `${kind} · ${bo.id}`;
    this.form.append(heading);

    const name = textInput(bo.name);
    name.addEventListener("change", () => this.modeling().updateLabel(element, name.value));
    this.form.append(field("prop-name", this.t.name, name));

    const timer = timerDefinition(bo);
    if (timer) {
      const expression = timer.timeDuration || timer.timeDate || timer.timeCycle;
      const input = textInput(expression ? expression.body : "");
      input.addEventListener("change", () => this.setTimer(timer, input.value));
      this.form.append(field("prop-timer", this.t.timer, input, this.t.timerHelp));
    }
    if (kind === "SequenceFlow" && bo.sourceRef && /Gateway$/.test(bo.sourceRef.$type)) {
      const condition = textInput(bo.conditionExpression ? bo.conditionExpression.body : "");
      condition.addEventListener("change", () => this.setCondition(condition.value));
      this.form.append(field("prop-condition", this.t.condition, condition, this.t.conditionHelp));
    }
    for (const spec of schemaFor(this.schema, kind)) {
      this.form.append(this.propertyField(spec, kind));
    }
  }

  propertyField(spec, kind) {
    const current = this.readProperty(spec.name);
    const id = `prop-${spec.name}`;
    let control;
    if (spec.values && !spec.many) {
      control = document.createElement("select");
      const none = new Option(this.t.none, "");
      control.append(none);
      const values = spec.value_elements
        ? spec.values.filter((v) => spec.value_elements[v] === kind)
        : spec.values;
      for (const value of values) control.append(new Option(value, value));
      if (current && !values.includes(current)) control.append(new Option(current, current));
      control.value = current || "";
    } else {
      control = textInput(current);
      if (spec.pattern) control.dataset.pattern = spec.pattern;
    }
    control.addEventListener("change", () => this.writeProperty(spec.name, control.value.trim()));
    return field(id, spec.label, control, spec.help);
  }

  modeling() {
    return this.modeler.get("modeling");
  }

  readProperty(name) {
    const { list } = extensionProperties(this.element.businessObject);
    const found = list.find((p) => p.name === name);
    return found ? found.value : null;
  }

  writeProperty(name, value) {
    const element = this.element;
    const bo = element.businessObject;
    const moddle = this.modeler.get("moddle");
    const modeling = this.modeling();
    let { ext, holder, list } = extensionProperties(bo);
    const existing = list.find((p) => p.name === name);
    if (!value) {
      if (existing) {
        modeling.updateModdleProperties(element, holder, {
          properties: list.filter((p) => p !== existing),
        });
      }
      return;
    }
    if (existing) {
      modeling.updateModdleProperties(element, existing, { value });
      return;
    }
    if (!ext) {
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      modeling.updateProperties(element, { extensionElements: ext });
    }
    if (!holder) {
      holder = moddle.create(SPIFF, { properties: [] });
      holder.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: [...(ext.values || []), holder] });
    }
    const property = moddle.create("spiffworkflow:Property", { name, value });
    property.$parent = holder;
    modeling.updateModdleProperties(element, holder, {
      properties: [...(holder.properties || []), property],
    });
  }

  setTimer(timer, body) {
    const moddle = this.modeler.get("moddle");
    const key = timer.timeDate ? "timeDate" : timer.timeCycle ? "timeCycle" : "timeDuration";
    const expression = moddle.create("bpmn:FormalExpression", { body });
    expression.$parent = timer;
    this.modeling().updateModdleProperties(this.element, timer, { [key]: expression });
  }

  setCondition(body) {
    const moddle = this.modeler.get("moddle");
    const expression = body ? moddle.create("bpmn:FormalExpression", { body }) : undefined;
    this.modeling().updateProperties(this.element, { conditionExpression: expression });
  }
}
