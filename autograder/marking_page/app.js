// The marking page: shows one answer sheet at a time and saves each mark as it is made.
// The token comes from the address's fragment (#token=...), which browsers never send to a
// server; every request for data carries it in a header.
"use strict";

const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
let state = null;
let position = 0;
let question = null;

const $ = (id) => document.getElementById(id);

async function api(path, body) {
  const response = await fetch(path, {
    method: body ? "POST" : "GET",
    headers: body ? { "X-Marking-Token": token, "Content-Type": "application/json" }
                  : { "X-Marking-Token": token },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || response.statusText);
  return answer;
}

function sheet() { return state.sheets[position]; }
function rubric() { return state.questions.find((q) => q.name === question); }

function isMarked(s, q) {
  return q.criteria.every((c) => c.name in (s.marks[q.name] || {}));
}

function progress() {
  const done = state.sheets.filter((s) => state.questions.every((q) => isMarked(s, q))).length;
  $("progress").textContent = `${done} of ${state.sheets.length} sheets fully marked.`;
}

function option(value, text) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = text;
  return element;
}

function fillJump() {
  const jump = $("jump");
  jump.replaceChildren(...state.sheets.map((s, i) => option(String(i),
    s.label + (state.questions.every((q) => isMarked(s, q)) ? " (marked)" : ""))));
  jump.value = String(position);
}

function show() {
  const s = sheet();
  const q = rubric();
  $("sheet-heading").textContent = `${s.label}, ${q.name} (${q.points} points)`;
  $("prompt").textContent = q.prompt || "(the prompt was not found in the notebook)";
  $("answer").textContent = s.answers[q.name] || "(no answer)";
  const note = (s.notes || {})[q.name] || "";
  $("answer-note").textContent = note ? `Note: ${note}.` : "";
  $("answer-note").hidden = !note;
  const criteria = q.criteria.map((c, ci) => {
    const fieldset = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = c.name;
    fieldset.append(legend);
    c.levels.forEach((level, li) => {
      const id = `c${ci}-l${li}`;
      const input = document.createElement("input");
      input.type = "radio";
      input.name = `criterion-${ci}`;
      input.id = id;
      input.value = String(level.points);
      input.checked = (s.marks[q.name] || {})[c.name] === level.points;
      input.addEventListener("change", () => save(c.name, level.points));
      const label = document.createElement("label");
      label.htmlFor = id;
      label.append(input, ` ${level.points} ${level.points === 1 ? "point" : "points"}: `
                   + level.description);
      fieldset.append(label);
    });
    return fieldset;
  });
  $("criteria").replaceChildren(...criteria);
  $("comment").value = s.comments[q.name] || "";
  const recorded = s.scored[q.name];
  $("saved").textContent = isMarked(s, q) ? "This answer is fully marked."
    : recorded !== null && recorded !== undefined
      ? `Recorded without the rubric (the review file): ${recorded} of ${q.points} points.`
      : "";
  fillJump();
  progress();
}

async function save(criterion, points) {
  const s = sheet();
  try {
    const answer = await api("/api/mark", { sheet: s.number, question, criterion, points });
    s.marks[question] = { ...(s.marks[question] || {}), [criterion]: points };
    $("saved").textContent = answer.status;
    fillJump();
    progress();
  } catch (error) {
    $("saved").textContent = `Not saved: ${error.message}`;
  }
}

async function saveComment() {
  const s = sheet();
  const text = $("comment").value;
  if (text === (s.comments[question] || "")) return;
  try {
    const answer = await api("/api/comment", { sheet: s.number, question, comment: text });
    s.comments[question] = text;
    $("saved").textContent = answer.status;
  } catch (error) {
    $("saved").textContent = `Comment not saved: ${error.message}`;
  }
}

function go(to) {
  position = (to + state.sheets.length) % state.sheets.length;
  show();
}

function nextUnmarked() {
  for (let step = 1; step <= state.sheets.length; step += 1) {
    const i = (position + step) % state.sheets.length;
    if (!state.questions.every((q) => isMarked(state.sheets[i], q))) { go(i); return; }
  }
  $("saved").textContent = "Every sheet is fully marked.";
}

document.addEventListener("keydown", (event) => {
  const typing = event.target.tagName === "TEXTAREA" || event.target.tagName === "SELECT";
  if (event.key === "Escape" && event.target.id === "comment") { event.target.blur(); return; }
  if (typing || event.ctrlKey || event.metaKey || event.altKey || !state) return;
  if (event.key === "n") go(position + 1);
  else if (event.key === "p") go(position - 1);
  else if (event.key === "u") nextUnmarked();
  else if (event.key === "c") { event.preventDefault(); $("comment").focus(); }
});

async function start() {
  try {
    state = await api("/api/state");
  } catch (error) {
    $("progress").textContent = `Could not load the sheets: ${error.message}`;
    return;
  }
  $("title").textContent = `Marking: ${state.assignment}`;
  document.title = `Marking: ${state.assignment}`;
  if (!state.sheets.length || !state.questions.length) {
    $("progress").textContent = "There is nothing to mark here.";
    return;
  }
  question = state.questions[0].name;
  if (state.questions.length > 1) {
    $("question-choice").hidden = false;
    $("question").replaceChildren(...state.questions.map((q) => option(q.name, q.name)));
    $("question").addEventListener("change", () => { question = $("question").value; show(); });
  }
  $("previous").addEventListener("click", () => go(position - 1));
  $("next").addEventListener("click", () => go(position + 1));
  $("unmarked").addEventListener("click", nextUnmarked);
  $("jump").addEventListener("change", () => go(Number($("jump").value)));
  $("comment").addEventListener("change", saveComment);
  $("rubric").addEventListener("submit", (event) => event.preventDefault());
  show();
}

start();
