// The player of autograd.debug.play.  Reads the view model that Python embedded as JSON
// (#trace-data: to_json of the pass, every text and number already formatted) and the inline
// SVG (each Value a <g class="node"> titled v{i}); formats no number itself.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("trace-data").textContent);
  const T = D.trace, steps = D.steps, N = steps.length, n = T.nodes.length;
  const names = T.nodes.map((node) => node.name);
  const rootName = names[D.root];
  const stepOf = new Array(n).fill(-1);
  T.steps.forEach((s, k) => { stepOf[s.node] = k; });

  // ---- the SVG: node groups by id, their grad texts and cells, the edges into each node ----
  const canvas = document.getElementById("canvas"), svg = canvas ? canvas.querySelector("svg") : null;
  const svgNodes = {}, opNodes = {}, gradTexts = {}, gradCells = {}, edgesInto = {};
  const idOf = new Map();  // <g class="node"> -> the Value it stands for
  document.querySelectorAll("#canvas g.node").forEach((g) => {
    const t = g.querySelector("title");
    const m = t && /^([vop])(\d+)$/.exec(t.textContent.trim());
    if (!m) return;
    const id = +m[2];
    idOf.set(g, id);
    if (m[1] === "o") { opNodes[id] = g; return; }
    if (m[1] === "p") return;
    svgNodes[id] = g;
    g.querySelectorAll("text").forEach((txt) => {
      const m2 = /^\s*grad\s*/.exec(txt.textContent);
      if (!m2) return;
      gradTexts[id] = txt;
      txt.dataset.prefix = m2[0];
      txt.dataset.width = txt.getComputedTextLength();  // the room the layout gave it
      const cell = txt.previousElementSibling;
      if (cell && cell.tagName.toLowerCase() === "polygon") gradCells[id] = cell;
    });
  });
  document.querySelectorAll("#canvas g.edge").forEach((g) => {
    const t = g.querySelector("title");
    const m = t && /^(\S+?)(?::\S+)?->(\S+?)(?::\S+)?$/.exec(t.textContent.trim());
    if (m) (edgesInto[m[2]] = edgesInto[m[2]] || []).push({from: m[1], g: g});
  });

  // ---- zoom and pan: the SVG fills its panel; the view is its viewBox ----
  const vb0 = svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width ? svg.viewBox.baseVal : null;
  const PAD = vb0 ? 16 + 0.02 * Math.max(vb0.width, vb0.height) : 0;  // room around the fitted graph
  const home = vb0 ? {x: vb0.x - PAD, y: vb0.y - PAD, w: vb0.width + 2 * PAD, h: vb0.height + 2 * PAD} : null;
  let view = home ? Object.assign({}, home) : null;
  function setView(v) {
    view = v;
    svg.setAttribute("viewBox", [v.x, v.y, v.w, v.h].join(" "));
    document.body.dataset.zoom = Math.round(home.w / v.w * 1000) / 1000;
  }
  function pxPerUnit() { return svg.getScreenCTM().a; }
  function toUser(cx, cy) {
    const pt = svg.createSVGPoint();
    pt.x = cx; pt.y = cy;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }
  // zoom by factor (> 1: closer) keeping the point under (cx, cy) where it is
  function zoomAt(factor, cx, cy) {
    if (!view) return;
    const z = home.w / view.w;
    factor = Math.max(0.2 / z, Math.min(40 / z, factor));  // from 1/5 of the fit to 40x
    const u = toUser(cx, cy);
    setView({x: u.x - (u.x - view.x) / factor, y: u.y - (u.y - view.y) / factor,
             w: view.w / factor, h: view.h / factor});
  }
  function centre() { const r = canvas.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }
  function fit() { if (home) setView(Object.assign({}, home)); }
  function panBy(dxPx, dyPx) {
    const s = pxPerUnit();
    setView({x: view.x - dxPx / s, y: view.y - dyPx / s, w: view.w, h: view.h});
  }
  // Keep the current node in view: pan when it (with its op node and, when there is room, the
  // parents it sends gradient to) is not all inside the panel; zoom out first when even the
  // node and its op do not fit.
  function union(els) {
    const rs = els.filter(Boolean).map((g) => g.getBoundingClientRect());
    if (!rs.length) return null;
    return {left: Math.min(...rs.map((r) => r.left)), right: Math.max(...rs.map((r) => r.right)),
            top: Math.min(...rs.map((r) => r.top)), bottom: Math.max(...rs.map((r) => r.bottom))};
  }
  function follow(i) {
    if (!view || i === null) return;
    const M = 24, box = canvas.getBoundingClientRect();
    if (box.width < 2 * M || box.height < 2 * M) return;
    const cur = T.steps[stepOf[i]];
    const core = [svgNodes[i], opNodes[i]], wide = core.concat(cur ? cur.terms.map((t) => svgNodes[t.parent]) : []);
    const fits = (r) => r.right - r.left <= box.width - 2 * M && r.bottom - r.top <= box.height - 2 * M;
    let r = union(wide);
    if (!r) return;
    if (!fits(r)) {
      r = union(core);
      if (!r) return;
      if (!fits(r)) {
        zoomAt(Math.min((box.width - 2 * M) / (r.right - r.left), (box.height - 2 * M) / (r.bottom - r.top)),
               (r.left + r.right) / 2, (r.top + r.bottom) / 2);
        r = union(core);
      }
    }
    if (r.left < box.left + M || r.right > box.right - M || r.top < box.top + M || r.bottom > box.bottom - M)
      panBy((box.left + box.right) / 2 - (r.left + r.right) / 2, (box.top + box.bottom) / 2 - (r.top + r.bottom) / 2);
  }

  if (svg) {
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    canvas.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
      zoomAt(Math.exp(-ev.deltaY * unit * 0.0015), ev.clientX, ev.clientY);
    }, {passive: false});
    let drag = null;
    canvas.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0 || ev.target.closest(".zoom")) return;
      drag = {x: ev.clientX, y: ev.clientY, moved: false, target: ev.target, id: ev.pointerId};
    });
    canvas.addEventListener("pointermove", (ev) => {
      if (!drag || ev.pointerId !== drag.id) return;
      const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) { drag.moved = true; canvas.setPointerCapture(ev.pointerId); canvas.classList.add("dragging"); }
      panBy(dx, dy);
      drag.x = ev.clientX; drag.y = ev.clientY;
    });
    const endDrag = (ev) => {
      if (!drag || ev.pointerId !== drag.id) return;
      const was = drag;
      drag = null;
      canvas.classList.remove("dragging");
      if (was.moved || ev.type !== "pointerup") return;
      const g = was.target.closest ? was.target.closest("g.node") : null;
      if (g && idOf.has(g)) explainNode(idOf.get(g));
    };
    canvas.addEventListener("pointerup", endDrag);
    canvas.addEventListener("pointercancel", endDrag);
    document.getElementById("zoom-in").addEventListener("click", () => zoomAt(1.25, ...centre()));
    document.getElementById("zoom-out").addEventListener("click", () => zoomAt(0.8, ...centre()));
    document.getElementById("fit").addEventListener("click", fit);
    new ResizeObserver(() => { if (p > 0) follow(T.steps[p - 1].node); })
      .observe(canvas);
  }

  // ---- click-to-explain: d root / d node, as explain() wrote it (or the node's step) ----
  const why = document.getElementById("why"), whyTitle = document.getElementById("why-title");
  const whyText = document.getElementById("why-text");
  let selected = null;
  function explainNode(i) {
    if (selected !== null) [svgNodes[selected], opNodes[selected]].forEach((g) => g && g.classList.remove("selected"));
    selected = i;
    if (svgNodes[i]) svgNodes[i].classList.add("selected");
    whyTitle.textContent = "Why " + D.whyHead[i] + " = " + D.grad[i];
    if (D.why) whyText.textContent = D.why[i];
    else {
      const s = steps[stepOf[i]];
      whyText.textContent = s.status + "\n" + s.clauses.join("\n");
    }
    why.hidden = false;
    document.body.dataset.selected = i;
  }
  function closeWhy() {
    if (selected !== null && svgNodes[selected]) svgNodes[selected].classList.remove("selected");
    selected = null;
    why.hidden = true;
    delete document.body.dataset.selected;
  }
  document.getElementById("why-close").addEventListener("click", closeWhy);

  // ---- the side table: one row per node in the order of the pass; a long pass keeps only the
  // rows in view (and a margin) between two spacer rows ----
  const tbody = document.querySelector("#nodes tbody"), aside = document.querySelector("aside");
  const VIRTUAL = N > 1000, MARGIN = 30;
  let ROW = 25;  // px per row of a long table, measured once it is drawn
  if (VIRTUAL) document.body.classList.add("virtual-table");
  let rows = {}, first = 0, last = 0;
  function makeRow(k) {
    const i = T.steps[k].node, node = T.nodes[i];
    const tr = document.createElement("tr");
    tr.dataset.node = i;
    [["name", names[i]], ["op", node.op || "leaf"], ["data", D.data[i]], ["grad", ""]].forEach(([cls, text]) => {
      const td = document.createElement("td");
      td.className = cls;
      td.textContent = text;
      tr.appendChild(td);
    });
    tr.title = node.label ? "label: " + node.label : names[i];
    return tr;
  }
  function spacer(height) {
    const tr = document.createElement("tr");
    tr.className = "spacer";
    tr.style.height = height + "px";
    tr.appendChild(document.createElement("td")).colSpan = 4;
    return tr;
  }
  function layRows(force) {
    let a = 0, b = N;
    if (VIRTUAL) {
      const head = tbody.offsetTop;
      a = Math.max(0, Math.floor((aside.scrollTop - head) / ROW) - MARGIN);
      b = Math.min(N, Math.ceil((aside.scrollTop - head + aside.clientHeight) / ROW) + MARGIN);
      if (!force && a >= first && b <= last) return;
      a = Math.max(0, a - MARGIN);
      b = Math.min(N, b + MARGIN);
    }
    first = a; last = b; rows = {};
    const fragment = document.createDocumentFragment(), cur = p > 0 ? T.steps[p - 1] : null;
    if (VIRTUAL) fragment.appendChild(spacer(first * ROW));
    for (let k = first; k < last; k++) {
      const tr = makeRow(k);
      rows[T.steps[k].node] = tr;
      fragment.appendChild(tr);
    }
    if (VIRTUAL) fragment.appendChild(spacer((N - last) * ROW));
    tbody.replaceChildren(fragment);
    for (let k = first; k < last; k++) render(T.steps[k].node, cur);
  }
  if (VIRTUAL) aside.addEventListener("scroll", () => layRows(false));
  tbody.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr");
    if (tr && tr.dataset.node !== undefined) { stop(); show(stepOf[+tr.dataset.node] + 1); explainNode(+tr.dataset.node); }
  });
  function reveal(k) {
    if (VIRTUAL) {
      const top = tbody.offsetTop + k * ROW;
      if (top < aside.scrollTop + 30 || top + ROW > aside.scrollTop + aside.clientHeight)
        aside.scrollTop = top - aside.clientHeight / 2;
      layRows(false);
      return;
    }
    const r = rows[T.steps[k].node];
    if (r.offsetTop < aside.scrollTop + 30 || r.offsetTop + r.offsetHeight > aside.scrollTop + aside.clientHeight)
      aside.scrollTop = r.offsetTop - aside.clientHeight / 2;
  }

  // ---- the state after p steps: each node's grad text, complete (done) or a partial sum
  // (seen).  Moving p by one applies or undoes one step, touching only its node and parents;
  // each term keeps its parent's text before and after it (exact undo). ----
  const text = new Array(n).fill(null), done = new Array(n).fill(false);
  T.steps.forEach((s, k) => s.terms.forEach((t, j) => {
    t.before = text[t.parent];
    t.after = steps[k].totals[j];
    text[t.parent] = t.after;
  }));
  text.fill(null);
  function apply(k) {
    const s = T.steps[k];
    done[s.node] = true;
    s.terms.forEach((t) => { text[t.parent] = t.after; });
  }
  function undo(k) {
    const s = T.steps[k];
    for (let j = s.terms.length - 1; j >= 0; j--) text[s.terms[j].parent] = s.terms[j].before;
    done[s.node] = false;
  }

  const status = document.getElementById("status"), clauses = document.getElementById("clauses");
  const slider = document.getElementById("slider"), counter = document.getElementById("counter");
  const buttons = {};
  ["first", "prev", "play", "next", "last"].forEach((b) => (buttons[b] = document.getElementById(b)));
  slider.max = N;
  let p = 0, timer = null, flowing = [];

  function setGradText(txt, value) {
    txt.textContent = txt.dataset.prefix + value;
    // a longer number than the one laid out is squeezed into the room it was given
    txt.removeAttribute("textLength");
    txt.removeAttribute("lengthAdjust");
    const room = +txt.dataset.width;
    if (room > 0 && txt.getComputedTextLength() > room) {
      txt.setAttribute("textLength", room);
      txt.setAttribute("lengthAdjust", "spacingAndGlyphs");
    }
  }

  // Draw node i as the state says: its box and grad text in the picture, its row in the table.
  function render(i, cur) {
    const isCur = cur !== null && cur.node === i;
    const receiving = cur !== null && cur.terms.some((t) => t.parent === i);
    const g = svgNodes[i], tr = rows[i];
    const state = done[i] ? "done" : text[i] !== null ? "pending" : "";
    const shown = done[i] ? D.grad[i] : text[i] !== null ? text[i] : D.zero;
    if (g) {
      g.classList.toggle("current", isCur);
      g.classList.toggle("done", done[i]);
      g.classList.toggle("receiving", receiving);
    }
    if (opNodes[i]) opNodes[i].classList.toggle("current-op", isCur);
    const cell = gradCells[i];
    if (cell) cell.setAttribute("fill", state === "done" ? "#ebfbee" : "#ffffff");
    const txt = gradTexts[i];
    if (txt) {
      setGradText(txt, shown);
      txt.classList.toggle("grad-filled", state === "done");
      txt.classList.toggle("grad-pending", state === "pending");
    }
    if (tr) {
      tr.cells[3].textContent = state === "pending" ? shown + " \u2026" : (state ? shown : "");
      tr.className = (isCur ? "current " : "") + state;
    }
  }

  function show(k, all) {
    k = Math.max(0, Math.min(N, k));
    const touched = new Set();
    const mark = (s) => { if (s) { touched.add(s.node); s.terms.forEach((t) => touched.add(t.parent)); } };
    mark(p > 0 ? T.steps[p - 1] : null);
    while (p < k) { mark(T.steps[p]); apply(p); p++; }
    while (p > k) { p--; mark(T.steps[p]); undo(p); }
    const cur = p > 0 ? T.steps[p - 1] : null;
    mark(cur);
    if (all) { for (let i = 0; i < n; i++) render(i, cur); }
    else touched.forEach((i) => render(i, cur));
    flowing.forEach((g) => g.classList.remove("flowing"));
    flowing = [];
    if (cur) {
      // light the edges from the current node's parents into it (through its op node, if drawn)
      const here = "v" + cur.node, parents = new Set(cur.terms.map((t) => "v" + t.parent));
      (edgesInto[here] || []).forEach((e) => {
        if (parents.has(e.from)) flowing.push(e.g);
        (edgesInto[e.from] || []).forEach((f) => { if (parents.has(f.from)) flowing.push(f.g, e.g); });
      });
      flowing.forEach((g) => g.classList.add("flowing"));
      status.textContent = steps[p - 1].status;
      clauses.textContent = steps[p - 1].clauses.join("\n");
      follow(cur.node);
      reveal(p - 1);
    } else {
      status.textContent = "Before the pass: every grad is " + D.zero + ".";
      clauses.textContent = N ? "Press \u2192 (or Next) to take the first step: d" + rootName +
        "/d" + rootName + " = " + steps[0].upstream + ". Click a node to see why its gradient is what it is."
        : "Nothing to step through.";
    }
    slider.value = p;
    counter.textContent = p + " / " + N;
    buttons.first.disabled = buttons.prev.disabled = p === 0;
    buttons.next.disabled = buttons.last.disabled = p === N;
    document.body.dataset.step = p;
  }

  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    buttons.play.textContent = "\u25b6 Play";
  }
  function play() {
    if (timer !== null) { stop(); return; }
    if (p === N) show(0);
    buttons.play.textContent = "\u275a\u275a Pause";
    timer = setInterval(() => { show(p + 1); if (p >= N) stop(); }, +document.body.dataset.interval || 900);
  }

  buttons.first.addEventListener("click", () => { stop(); show(0); });
  buttons.prev.addEventListener("click", () => { stop(); show(p - 1); });
  buttons.next.addEventListener("click", () => { stop(); show(p + 1); });
  buttons.last.addEventListener("click", () => { stop(); show(N); });
  buttons.play.addEventListener("click", play);
  slider.addEventListener("input", () => { stop(); show(+slider.value); });
  document.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.target.tagName === "INPUT" && ev.key.length === 1) return;
    const k = ev.key;
    if (k === "ArrowRight" || k === "ArrowDown") { stop(); show(p + 1); }
    else if (k === "ArrowLeft" || k === "ArrowUp") { stop(); show(p - 1); }
    else if (k === "Home") { stop(); show(0); }
    else if (k === "End") { stop(); show(N); }
    else if (k === " ") { play(); }
    else if (k === "Escape") { closeWhy(); }
    else if (svg && (k === "+" || k === "=")) { zoomAt(1.25, ...centre()); }
    else if (svg && (k === "-" || k === "_")) { zoomAt(0.8, ...centre()); }
    else if (svg && (k === "f" || k === "0")) { fit(); }
    else return;
    ev.preventDefault();
  });

  layRows(true);
  if (VIRTUAL && tbody.rows.length > 2) {
    const h = tbody.rows[1].getBoundingClientRect().height;
    if (h > 0 && Math.abs(h - ROW) > 0.01) { ROW = h; layRows(true); }
  }
  show(0, true);
  // Start fitted; when that makes the text too small to read, start at its own size on the root
  // (the Fit button shows the whole graph).
  const READABLE = 0.75;  // screen px per SVG unit: Graphviz's 11-unit text at >= 8 px
  if (svg) {
    fit();
    if (pxPerUnit() < READABLE && N) {
      const g = svgNodes[T.steps[0].node], r = g ? g.getBoundingClientRect() : null;
      if (r) zoomAt(1 / pxPerUnit(), (r.left + r.right) / 2, (r.top + r.bottom) / 2);
      follow(T.steps[0].node);
    }
  }
})();
