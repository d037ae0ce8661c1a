// The player of autograd.debug.play.  Reads the view model that Python embedded as JSON
// (#trace-data: to_json of the pass, every text and number already formatted) and the inline
// SVG (each Value a <g class="node"> titled v{i}); formats no number itself.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("trace-data").textContent);
  const T = D.trace, steps = D.steps, N = steps.length, n = T.nodes.length;
  const names = T.nodes.map((node) => node.name);
  const stepOf = new Array(n).fill(-1);
  T.steps.forEach((s, k) => { stepOf[s.node] = k; });

  // ---- the SVG: node groups by id, their grad texts and cells, the edges into each node.
  // Folded (fold=True), a node inside a neuron call is drawn by the call's box v{k} and a
  // parameter by its neuron's parameter node p{k}: D.drawnAs names that DOT node. ----
  const canvas = document.getElementById("canvas"), svg = canvas ? canvas.querySelector("svg") : null;
  const svgNodes = {}, opNodes = {}, gradTexts = {}, gradCells = {}, edgesInto = {}, dotNodes = {};
  const idOf = new Map();  // <g class="node"> -> the Value it stands for
  const drawnAs = D.drawnAs || [];
  function keepGradText(id, txt, prefix) {
    gradTexts[id] = txt;
    txt.dataset.prefix = prefix;
    txt.dataset.width = txt.getComputedTextLength();  // the room the layout gave it
    const cell = txt.previousElementSibling;
    if (cell && cell.tagName.toLowerCase() === "polygon") gradCells[id] = cell;
  }
  document.querySelectorAll("#canvas g.node").forEach((g) => {
    const t = g.querySelector("title");
    const m = t && /^([vop])(\d+)$/.exec(t.textContent.trim());
    if (!m) return;
    const id = +m[2];
    dotNodes[m[0]] = g;
    idOf.set(g, id);
    if (m[1] === "o") { opNodes[id] = g; return; }
    const params = m[1] === "p" ? (D.groups && D.groups[m[0]]) || [] : [id];
    if (m[1] === "v") svgNodes[id] = g;
    let k = 0;
    g.querySelectorAll("text").forEach((txt) => {
      const m2 = /^\s*grad\s*/.exec(txt.textContent);
      if (m2 && k < params.length) keepGradText(params[k++], txt, m2[0]);
    });
  });
  // the <g> that draws node i: its own box, or the box or parameter node it is folded into
  function drawer(i) { return drawnAs[i] ? dotNodes[drawnAs[i]] : svgNodes[i]; }
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
    const core = [drawer(i), drawnAs[i] ? null : opNodes[i]];
    const wide = core.concat(cur ? cur.terms.map((t) => drawer(t.parent)) : []);
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
      auto = false;
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
      if (!drag.moved) { drag.moved = true; auto = false; canvas.setPointerCapture(ev.pointerId); canvas.classList.add("dragging"); }
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
    document.getElementById("zoom-in").addEventListener("click", () => { auto = false; zoomAt(1.25, ...centre()); });
    document.getElementById("zoom-out").addEventListener("click", () => { auto = false; zoomAt(0.8, ...centre()); });
    document.getElementById("fit").addEventListener("click", () => { auto = false; fit(); });
  }

  // ---- the opening view, chosen when the panel has a size (a notebook lays its output out
  // after this script ran: the panel is 0 x 0 here) and again whenever the panel changes size
  // or comes into view, until the user zooms or pans.  The whole graph when its text is
  // readable so; else the text at a readable size, as much of the graph as fits, the root in
  // view on its side (right for LR, bottom for TB): where the pass starts. ----
  // screen px per SVG unit at which the smallest text of the picture is 8.4 px high (its em)
  const READABLE = svg ? 8.4 / Math.min(...[...svg.querySelectorAll("g.node text")]
    .map((t) => parseFloat(t.getAttribute("font-size")) || 14), 14) : 1;
  let auto = true;
  function openView() {
    if (!home) return;
    const box = canvas.getBoundingClientRect(), W = box.width, H = box.height;
    if (W < 8 || H < 8) return;  // not laid out (yet), or hidden
    const w = W / READABLE, h = H / READABLE;
    if (Math.min(W / home.w, H / home.h) >= READABLE) setView(Object.assign({}, home));
    else if (p > 0 && view) {
      // mid-pass (the explanation's height changes the panel's): the same text size, the same
      // centre, so the view does not jump; follow() below keeps the current node in it
      setView({x: view.x + view.w / 2 - w / 2, y: view.y + view.h / 2 - h / 2, w: w, h: h});
    } else {
      setView(Object.assign({}, home));
      const g = drawer(D.root);
      let at = {x: home.x + home.w, y: home.y + home.h / 2};
      if (g) { const r = g.getBoundingClientRect(); at = toUser((r.left + r.right) / 2, (r.top + r.bottom) / 2); }
      // centre the root, then slide the view back over the graph: no empty margin beyond it
      const place = (lo, extent, size, c) => extent <= size ? lo + extent / 2 - size / 2
        : Math.max(lo, Math.min(lo + extent - size, c - size / 2));
      setView({x: place(home.x, home.w, w, at.x), y: place(home.y, home.h, h, at.y), w: w, h: h});
    }
    if (p > 0) follow(T.steps[p - 1].node);
  }
  if (svg) {
    const refit = () => { if (auto) openView(); else if (p > 0) follow(T.steps[p - 1].node); };
    new ResizeObserver(refit).observe(canvas);
    new IntersectionObserver((seen) => { if (seen.some((e) => e.isIntersecting)) refit(); }).observe(canvas);
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
      if (cls === "name") breakable(td, text);
      else td.textContent = text;
      tr.appendChild(td);
    });
    // the whole name on hover (a long one wraps, or in a long table is cut short with ...)
    const inside = drawnAs[i] && drawnAs[i][0] === "v" ? "\nin " + names[+drawnAs[i].slice(1)] : "";
    tr.cells[0].title = names[i] + inside;
    tr.cells[1].title = node.op || "leaf";
    tr.title = (node.label && node.label !== names[i] ? "label: " + node.label : names[i]) + inside;
    return tr;
  }
  // a name with a chance to wrap after each dot or underscore (layers.0.neurons.3.w.1)
  function breakable(td, name) {
    const parts = name.length > 300 ? [name] : name.split(/(?<=[._])/);
    parts.forEach((part, k) => {
      if (k) td.appendChild(document.createElement("wbr"));
      td.appendChild(document.createTextNode(part));
    });
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
    markInside(cur);
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
      clauses.textContent = N ? "Press \u2192 (or Next) to take the first step: " + D.seed +
        ". Click a node to see why its gradient is what it is."
        : "Nothing to step through.";
    }
    slider.value = p;
    counter.textContent = p + " / " + N;
    buttons.first.disabled = buttons.prev.disabled = p === 0;
    buttons.next.disabled = buttons.last.disabled = p === N;
    document.body.dataset.step = p;
  }

  // Folded: the box (or parameter node) that holds the step's node is lit, and the box names
  // the node in place of its summary line; so are those holding the parents it sends to.
  let marks = [], captioned = null;
  function markInside(cur) {
    marks.forEach(([g, cls]) => g.classList.remove(cls));
    marks = [];
    if (captioned) { captioned[0].textContent = captioned[1]; captioned[0].classList.remove("inside"); captioned = null; }
    if (!cur || !drawnAs.length) return;
    const mark = (g, cls) => { if (g) { g.classList.add(cls); marks.push([g, cls]); } };
    const here = drawer(cur.node);
    if (drawnAs[cur.node]) { mark(here, "current-inside"); caption(here, cur.node); }
    cur.terms.forEach((t) => { if (drawnAs[t.parent] && drawer(t.parent) !== here) mark(drawer(t.parent), "receiving-inside"); });
  }
  function caption(g, i) {
    const texts = [...g.querySelectorAll("text")];
    const txt = texts.find((t, k) => k > 0 && !/^\s*(data|grad)\s/.test(t.textContent));
    if (!txt || drawnAs[i][0] !== "v") return;  // a parameter has its own row in its node
    const room = g.getBBox().width - 6;
    captioned = [txt, txt.textContent];
    txt.classList.add("inside");
    let name = names[i].slice(0, 120);
    txt.textContent = "\u25b8 " + name;
    while (name.length > 1 && txt.getComputedTextLength() > room) {
      name = name.slice(0, -1);
      txt.textContent = "\u25b8 " + name + "\u2026";
    }
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
    else if (svg && (k === "+" || k === "=")) { auto = false; zoomAt(1.25, ...centre()); }
    else if (svg && (k === "-" || k === "_")) { auto = false; zoomAt(0.8, ...centre()); }
    else if (svg && (k === "f" || k === "0")) { auto = false; fit(); }
    else return;
    ev.preventDefault();
  });

  layRows(true);
  if (VIRTUAL && tbody.rows.length > 2) {
    const h = tbody.rows[1].getBoundingClientRect().height;
    if (h > 0 && Math.abs(h - ROW) > 0.01) { ROW = h; layRows(true); }
  }
  show(0, true);
  openView();
})();
