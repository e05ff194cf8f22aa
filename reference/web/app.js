// The upload page's whole flow, in the order it happens:
//   1. ask the local p4lab server for an upload slot (a presigned POST)
//   2. POST the file straight to S3 with the slot's fields (S3 checks type and size)
//   3. poll the image's state until DONE or FAILED
//   4. show every variant from the CDN
// With ?demo=1 the page draws an image itself and uploads it, so a headless browser can
// run the whole flow with no file chooser.
"use strict";

const POLL_MS = 1000;
const POLL_LIMIT_MS = 120000;
const stateEl = document.getElementById("state");
const logEl = document.getElementById("log");

function setState(state, text) {
  stateEl.dataset.state = state;
  stateEl.textContent = text;
}

function log(text) {
  const li = document.createElement("li");
  li.textContent = text;
  logEl.appendChild(li);
}

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

async function requestSlot(file) {
  return api("/api/uploads", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ filename: file.name, contentType: file.type, size: file.size }),
  });
}

async function postToS3(slot, file) {
  const form = new FormData();
  for (const [name, value] of Object.entries(slot.fields)) form.append(name, value);
  form.append("file", file); // S3 requires the file to be the last field
  const response = await fetch(slot.url, { method: "POST", body: form });
  if (!response.ok) {
    const text = await response.text();
    const code = (text.match(/<Code>(.*?)<\/Code>/) || [])[1] || "";
    const message = (text.match(/<Message>(.*?)<\/Message>/) || [])[1] || "";
    throw new Error(`S3 refused the upload: HTTP ${response.status} ${code} ${message}`.trim());
  }
}

async function waitForImage(imageId) {
  const deadline = Date.now() + POLL_LIMIT_MS;
  for (;;) {
    const image = await api(`/api/images/${imageId}`);
    // Not image.status: DONE is set only once the variants are on screen (tests wait for it).
    setState("WAITING", `${image.name}: ${image.status}`);
    if (image.status === "DONE" || image.status === "FAILED") return image;
    if (Date.now() > deadline) throw new Error(`Still ${image.status} after ${POLL_LIMIT_MS / 1000} s; see \`p4lab status\`.`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function loadImage(figure, url) {
  return new Promise((resolve) => {
    const img = document.createElement("img");
    img.onload = () => resolve(true);
    img.onerror = () => resolve(false);
    img.src = url;
    figure.prepend(img);
  });
}

async function showVariants(image) {
  const container = document.getElementById("variants");
  container.replaceChildren();
  const loads = image.variants.map((variant) => {
    const figure = document.createElement("figure");
    const caption = document.createElement("figcaption");
    const link = document.createElement("a");
    link.href = variant.url;
    link.textContent = variant.url.split("/").slice(-1)[0];
    caption.append(`${variant.name} ${variant.format} ${variant.width}x${variant.height}, ${variant.bytes} B: `, link);
    figure.append(caption);
    container.append(figure);
    return loadImage(figure, variant.url);
  });
  const results = await Promise.all(loads);
  return results.filter(Boolean).length;
}

async function upload(file) {
  logEl.replaceChildren();
  try {
    setState("SLOT", `Asking for an upload slot for ${file.name}`);
    const slot = await requestSlot(file);
    log(`Slot ${slot.imageId}: presigned POST to ${slot.url}`);
    setState("UPLOADING", `Uploading ${file.name} (${file.size} bytes) to S3`);
    await postToS3(slot, file);
    log("S3 accepted the upload");
    const image = await waitForImage(slot.imageId);
    if (image.status === "FAILED") {
      setState("FAILED", `${image.name}: FAILED (${image.reason}): ${image.message}`);
      return;
    }
    const config = await api("/api/config");
    if (!config.cdn) {
      log("This target has no CDN (EnableCdn=false): variants are in the delivery bucket only.");
      return;
    }
    const loaded = await showVariants(image);
    log(`${loaded} of ${image.variants.length} variants loaded from the CDN`);
    setState("DONE", `${image.name}: DONE, ${loaded}/${image.variants.length} variants shown`);
    stateEl.dataset.loaded = String(loaded);
  } catch (error) {
    setState("ERROR", error.message);
  }
}

async function demoFile() {
  // A 1200x800 picture drawn here, so the demo needs no file on disk.
  const canvas = document.createElement("canvas");
  canvas.width = 1200;
  canvas.height = 800;
  const ctx = canvas.getContext("2d");
  const gradient = ctx.createLinearGradient(0, 0, 1200, 800);
  gradient.addColorStop(0, "#1e6fd9");
  gradient.addColorStop(1, "#f2a541");
  ctx.fillStyle = gradient;
  ctx.fillRect(0, 0, 1200, 800);
  ctx.fillStyle = "#fff";
  ctx.font = "bold 96px sans-serif";
  ctx.fillText("p4lab browser upload", 80, 420);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
  return new File([blob], "browser demo.jpg", { type: "image/jpeg" });
}

async function start() {
  const config = await api("/api/config");
  document.getElementById("max").textContent = `${Math.round(config.maxBytes / 1048576)} MB`;
  document.getElementById("file").addEventListener("change", (event) => {
    if (event.target.files.length) upload(event.target.files[0]);
  });
  const drop = document.getElementById("drop");
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    if (event.dataTransfer.files.length) upload(event.dataTransfer.files[0]);
  });
  if (new URLSearchParams(location.search).get("demo") === "1") upload(await demoFile());
}

start().catch((error) => setState("ERROR", error.message));
