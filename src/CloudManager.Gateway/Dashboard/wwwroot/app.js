// The dashboard: polls GET /api/status and GET /api/files, uploads through POST /api/upload with a
// progress bar, and looks files up with GET /api/find/{hash}. Text from the server is only ever set
// as textContent, never parsed as HTML. The token arrives once in the address (?token=..., as cm serve prints
// it), is kept in sessionStorage (this tab only, gone when it closes) and removed from the address bar.
"use strict";

const POLL_MS = 3000;
const TOKEN_KEY = "cloud-manager.token";
const $ = (id) => document.getElementById(id);

function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return "–";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1024;
    unit++;
  } while (value >= 1024 && unit < units.length - 1);
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

function formatAgo(iso) {
  if (!iso) return "never";
  const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// A file name as people see it (the library's FileNames.ForDisplay): a backslash becomes \\, and control,
// format (bidirectional overrides, zero-width), separator, filler and unassigned characters become \u{XXXX},
// so that a name can neither reorder the text around it nor hide part of itself. Attributes keep the exact name.
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cn}\p{Cs}\u115F\u1160\u3164\uFFA0\\]/gu;
function displayName(name) {
  return String(name).replace(HIDDEN, (c) =>
    c === "\\" ? "\\\\" : `\\u{${c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}}`);
}

function setText(id, text) {
  $(id).textContent = text;
}

async function problemText(response) {
  try {
    const body = await response.json();
    return body.detail || body.error || body.title || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

// ---- status ---------------------------------------------------------------------------------

let status = null;

function renderStatus(s) {
  status = s;
  setText("node", `node ${s.node_id}`);
  setText("version", `cloud-manager ${s.version}`);

  const storage = s.storage;
  const usedPercent = Math.min(100, (storage.used / storage.capacity) * 100);
  const fill = $("cache-fill");
  fill.style.width = `${usedPercent}%`;
  fill.dataset.level = storage.used / storage.limit > 0.85 ? "high" : "normal";
  $("cache-limit-mark").style.left = `${(storage.limit / storage.capacity) * 100}%`;
  $("cache-meter").setAttribute("aria-valuenow", usedPercent.toFixed(1));
  setText("cache-percent", `${usedPercent.toFixed(usedPercent < 1 ? 2 : 1)} %`);
  setText("cache-caption", `of ${formatBytes(storage.capacity)} in use; the cache fills up to ${formatBytes(storage.limit)}, then evicts safe files`);
  setText("cache-used", formatBytes(storage.used));
  setText("cache-free", formatBytes(Math.max(0, storage.limit - storage.used)));
  setText("cache-limit", formatBytes(storage.limit));
  setText("cache-capacity", formatBytes(storage.capacity));
  setText("files-count", `${s.files.count} · ${formatBytes(s.files.size)}`);

  const sync = s.sync;
  setText("cloud-count", String(sync.cloud_queue.count));
  setText("cloud-size", sync.cloud_queue.count ? formatBytes(sync.cloud_queue.size) : "all safe");
  setText("export-count", String(sync.export_queue.count));
  setText("export-size", formatBytes(sync.export_queue.size));
  // Lost files (no good copy on any host, in no cache) are shown loudly until they are resolved.
  const lost = s.lost || { count: 0, size: 0 };
  setText("lost-count", lost.count ? `${lost.count} LOST` : "none");
  setText("lost-size", lost.count ? `${formatBytes(lost.size)}: no good copy on any host and in no cache (cm list --lost)` : "");
  document.getElementById("lost-row")?.setAttribute("data-state", lost.count ? "lost" : "ok");
  let syncText;
  if (sync.running) syncText = "copying to the hosts now…";
  else if (sync.last_error) syncText = `last run failed: ${sync.last_error}`;
  else if (sync.last_finished_at) {
    const run = sync.last_run;
    syncText = `last run ${formatAgo(sync.last_finished_at)}` + (run && run.copies_made ? `, ${run.copies_made} copies made` : "");
  } else syncText = "not run yet";
  setText("sync-state", syncText);

  const bandwidth = s.bandwidth;
  setText("month-label", bandwidth.current.month);
  setText("month-in", formatBytes(bandwidth.current.incoming));
  setText("month-out", formatBytes(bandwidth.current.outgoing));
  setText("total-in", formatBytes(bandwidth.total.incoming));
  setText("total-out", formatBytes(bandwidth.total.outgoing));
  const limits = $("limits");
  limits.replaceChildren();
  for (const [label, used, limit] of [["Incoming", bandwidth.current.incoming, bandwidth.limits.incoming], ["Outgoing", bandwidth.current.outgoing, bandwidth.limits.outgoing]]) {
    if (limit === null) continue;
    const percent = Math.min(100, (used / limit) * 100);
    // Widths go through the style property: the page's CSP refuses style attributes.
    const fill = element("div", { class: "meter-fill", "data-level": percent > 85 ? "high" : "normal" });
    fill.style.width = `${percent}%`;
    const bar = element("div", { class: "meter" }, fill);
    limits.append(element("div", { class: "limit" }, `${label} limit: ${formatBytes(used)} of ${formatBytes(limit)}`, bar));
  }

  const hosts = $("hosts");
  hosts.replaceChildren();
  if (s.hosts.length === 0) hosts.append(element("li", { class: "muted", text: "No hosts configured: files stay pending." }));
  for (const host of s.hosts) {
    const main = element("div", { class: "host-main" }, element("div", { class: "host-name", text: host.name }), element("div", { class: "muted", text: `${host.kind} · ${host.health}` }));
    const error = host.probe_error || (host.consecutive_failures > 0 ? host.last_error : null);
    if (error) main.append(element("div", { class: "host-error", text: error }));
    hosts.append(element("li", {},
      element("span", { class: "dot", "data-health": host.health, title: host.health }),
      main,
      element("div", { class: "host-side" }, element("div", { text: `${host.copies} copies` }), element("div", { text: `${host.failures} failed` }))));
  }

  $("token-row").hidden = !s.auth.token_required;
  setText("updated", new Date().toLocaleTimeString());
}

function renderFiles(page) {
  setText("files-total", `${page.total.count} files · ${formatBytes(page.total.size)}`);
  const body = $("files");
  body.replaceChildren();
  if (page.files.length === 0) {
    body.append(element("tr", {}, element("td", { colspan: "6", class: "muted", text: "No files yet: upload one above." })));
    return;
  }
  for (const file of page.files) {
    const link = element("a", { href: `/api/download/${file.hash}`, download: file.name, title: file.hash, class: "hash", text: `${file.hash.slice(0, 12)}…` });
    body.append(element("tr", { "data-hash": file.hash },
      element("td", { text: displayName(file.name) }),
      element("td", { "data-label": "size", text: formatBytes(file.size) }),
      element("td", {}, element("span", { class: "state", "data-state": file.state, text: file.state === "safe" ? `safe · ${file.copies}` : file.state === "lost" ? "LOST" : "pending" })),
      element("td", { "data-label": "cached", text: file.cached ? (file.pinned ? "yes, pinned" : "yes") : "no" }),
      element("td", { "data-label": "added", text: formatAgo(file.created_at) }),
      element("td", {}, link)));
  }
}

function setLive(ok, text) {
  const live = $("live");
  live.dataset.state = ok ? "ok" : "bad";
  live.textContent = text;
}

async function refresh() {
  try {
    const [statusResponse, filesResponse] = await Promise.all([fetch("/api/status", { cache: "no-store" }), fetch("/api/files?order=newest&limit=10", { cache: "no-store" })]);
    if (!statusResponse.ok) throw new Error(await problemText(statusResponse));
    if (!filesResponse.ok) throw new Error(await problemText(filesResponse));
    renderStatus(await statusResponse.json());
    renderFiles(await filesResponse.json());
    setLive(true, "live");
  } catch (error) {
    setLive(false, "offline");
    setText("updated", `failed: ${error.message}`);
  }
}

let timer = null;
function schedule() {
  clearInterval(timer);
  timer = document.hidden ? null : setInterval(refresh, POLL_MS);
}
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) refresh();
  schedule();
});

// ---- upload ---------------------------------------------------------------------------------

function showChosenFile() {
  const file = $("file").files[0];
  $("drop-text").replaceChildren(file ? element("span", {}, element("strong", { text: displayName(file.name) }), ` · ${formatBytes(file.size)}`) : element("span", {}, element("strong", { text: "Choose a file" }), " or drop it here"));
}

function uploadResult(kind, ...content) {
  const result = $("upload-result");
  result.dataset.kind = kind;
  result.replaceChildren(...content);
}

function upload(event) {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) return;
  if (status && file.size > status.storage.max_file_size) {
    uploadResult("error", `${displayName(file.name)} is ${formatBytes(file.size)}; this node accepts files up to ${formatBytes(status.storage.max_file_size)}.`);
    return;
  }
  const token = $("token").value.trim();
  if (token) sessionStorage.setItem(TOKEN_KEY, token);

  const form = new FormData();
  form.append("file", file, file.name);
  const request = new XMLHttpRequest();
  request.open("POST", "/api/upload");
  if (token) request.setRequestHeader("Authorization", `Bearer ${token}`);
  request.responseType = "json";

  const started = performance.now();
  $("upload-progress").hidden = false;
  $("upload-button").disabled = true;
  uploadResult("info");
  request.upload.onprogress = (e) => {
    if (!e.lengthComputable) return;
    const percent = (e.loaded / e.total) * 100;
    const seconds = (performance.now() - started) / 1000;
    $("upload-fill").style.width = `${percent}%`;
    setText("upload-text", `${percent.toFixed(0)} % · ${formatBytes(e.loaded)} of ${formatBytes(e.total)}` + (seconds > 1 ? ` · ${formatBytes(e.loaded / seconds)}/s` : ""));
  };
  request.onload = () => {
    $("upload-button").disabled = false;
    const body = request.response || {};
    if (request.status === 201 || request.status === 200) {
      $("upload-fill").style.width = "100%";
      setText("upload-text", `done · ${formatBytes(body.filesize)}`);
      uploadResult("ok", "Uploaded ", element("strong", { text: displayName(body.filename) }), ": ",
        element("a", { href: `/api/download/${body.filehash}`, download: body.filename, class: "hash", id: "uploaded-link", text: body.filehash }));
      $("upload-form").reset();
      showChosenFile();
      refresh();
    } else {
      $("upload-progress").hidden = true;
      uploadResult("error", body.detail || body.title || `Upload failed (HTTP ${request.status}).`);
    }
  };
  request.onerror = () => {
    $("upload-button").disabled = false;
    $("upload-progress").hidden = true;
    uploadResult("error", "The upload was interrupted: check the connection and the file size, then try again.");
  };
  request.send(form);
}

function setUpDrop() {
  const drop = $("drop");
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (e) => {
      e.preventDefault();
      drop.dataset.over = "true";
    });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, () => {
      drop.dataset.over = "false";
    });
  }
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    if (e.dataTransfer.files.length > 0) {
      $("file").files = e.dataTransfer.files;
      showChosenFile();
    }
  });
}

// ---- lookup ---------------------------------------------------------------------------------

async function lookup(event) {
  event.preventDefault();
  const result = $("lookup-result");
  const hash = $("lookup").value.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hash)) {
    result.dataset.kind = "error";
    result.replaceChildren("A hash is 64 hexadecimal digits (0-9, a-f).");
    return;
  }
  try {
    const response = await fetch(`/api/find/${hash}`, { cache: "no-store" });
    if (response.status === 404) {
      result.dataset.kind = "error";
      result.replaceChildren("No file with this hash is known to this node.");
      return;
    }
    if (!response.ok) throw new Error(await problemText(response));
    const payload = await response.json();
    const stored = payload.uploads.filter((u) => !u.error).map((u) => u.host_name);
    result.dataset.kind = "ok";
    result.replaceChildren(
      element("dl", {},
        element("dt", { text: "Name" }), element("dd", { text: displayName(payload.filename) }),
        element("dt", { text: "Size" }), element("dd", { text: formatBytes(payload.filesize) }),
        element("dt", { text: "Added" }), element("dd", { text: new Date(Number(payload.datetime) * 1000).toLocaleString() }),
        element("dt", { text: "Hosts" }), element("dd", { text: stored.length ? stored.join(", ") : "none yet" })),
      element("a", { href: `/api/download/${hash}`, download: payload.filename, class: "download", id: "lookup-download", text: "Download" }));
  } catch (error) {
    result.dataset.kind = "error";
    result.replaceChildren(`Lookup failed: ${error.message}`);
  }
}

// ---- start ----------------------------------------------------------------------------------

// Takes the token from the address once, then strips it, so that it is neither bookmarked nor shared with a link.
function takeTokenFromAddress() {
  const url = new URL(window.location.href);
  const token = url.searchParams.get("token");
  if (token === null) return;
  if (token.trim()) sessionStorage.setItem(TOKEN_KEY, token.trim());
  url.searchParams.delete("token");
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
}

takeTokenFromAddress();
// Kept by earlier versions for good; a token now lives only as long as the tab.
localStorage.removeItem(TOKEN_KEY);
$("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
$("file").addEventListener("change", showChosenFile);
$("upload-form").addEventListener("submit", upload);
$("lookup-form").addEventListener("submit", lookup);
setUpDrop();
refresh();
schedule();
