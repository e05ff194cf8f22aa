// The upload page's whole flow, in the order it happens:
//   1. check the file here (type, size) so an obvious mistake costs no request
//   2. ask the local p4lab server for an upload slot (a presigned POST)
//   3. POST the file with the slot's fields, showing progress (S3 checks type and size again)
//   4. poll the image's state until DONE or FAILED
//   5. show every variant from the CDN
// If step 3 fails, the slot is given up (it would otherwise stay PENDING until it expires).
// On AWS the slot URL is S3's and the image URLs CloudFront's; on the emulator both are the
// local server's relay (see reference/webpage.py).
// ?demo=1 draws an image and uploads it (a headless browser needs no file chooser);
// ?image=<id> shows an existing image's variants (what `p4lab demo --keep` points to).
"use strict";

const POLL_MS = 1000;
const POLL_LIMIT_MS = 120000;
const stateEl = document.getElementById("state");
const logEl = document.getElementById("log");
const progressEl = document.getElementById("progress");
const progressText = document.getElementById("progress-text");
let config = null;

function setState(state, text) {
  stateEl.dataset.state = state;
  stateEl.textContent = text;
}

function log(text, kind) {
  const li = document.createElement("li");
  li.textContent = text;
  if (kind) li.className = kind;
  logEl.appendChild(li);
}

// 1258291 -> "1.2 MB": sizes people read, in the binary units the docs' "50 MB" limit uses.
function readableSize(bytes) {
  if (bytes < 1024) return `${bytes}\u00a0B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1024;
    unit += 1;
  } while (value >= 1024 && unit < units.length - 1);
  return `${value < 10 ? value.toFixed(1) : Math.round(value)}\u00a0${units[unit]}`;
}

function showProgress(sent, total) {
  progressEl.hidden = false;
  progressEl.max = total;
  progressEl.value = sent;
  const percent = total ? Math.floor((sent / total) * 100) : 0;
  progressText.textContent = `${readableSize(sent)} of ${readableSize(total)} (${percent}%)`;
  stateEl.dataset.progress = String(percent);
}

async function api(path, options) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new Error("The local p4lab server does not answer: is `p4lab serve` still running?");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `The local server answered HTTP ${response.status}`);
  return body;
}

function checkFile(file) {
  if (file.size === 0) return `${file.name} is empty.`;
  if (file.size > config.maxBytes) {
    return `${file.name} is ${readableSize(file.size)}; the limit is ${readableSize(config.maxBytes)}.`;
  }
  if (!config.contentTypes.includes(file.type)) {
    const kind = file.type || "an unknown type";
    return `${file.name} is ${kind}, which the pipeline does not accept: choose an image (JPEG, PNG, WebP, GIF, TIFF, BMP, AVIF, HEIC) or a PDF.`;
  }
  return null;
}

async function requestSlot(file) {
  return api("/api/uploads", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ filename: file.name, contentType: file.type, size: file.size }),
  });
}

// S3 answers errors as XML: <Code>EntityTooLarge</Code><Message>...</Message>.
function s3Error(status, text) {
  const code = (text.match(/<Code>(.*?)<\/Code>/) || [])[1] || "";
  const message = (text.match(/<Message>(.*?)<\/Message>/) || [])[1] || "";
  const hints = {
    EntityTooLarge: `the file is over the ${readableSize(config.maxBytes)} limit signed into the slot`,
    AccessDenied: "the slot's policy refused it (expired, or another type or size than announced)",
  };
  const hint = hints[code] ? ` (${hints[code]})` : "";
  return `S3 refused the upload: HTTP ${status} ${code} ${message}${hint}`.replace(/\s+/g, " ").trim();
}

// XMLHttpRequest, not fetch: only it reports upload progress.
function postFile(slot, file) {
  const form = new FormData();
  for (const [name, value] of Object.entries(slot.fields)) form.append(name, value);
  form.append("file", file); // S3 requires the file to be the last field
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", slot.url);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) showProgress(event.loaded, event.total);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        const cors = request.getResponseHeader("X-P4lab-Cors");
        if (cors) log(`Warning: ${cors}`, "warning");
        resolve();
      } else {
        reject(new Error(s3Error(request.status, request.responseText)));
      }
    };
    request.onerror = () => {
      const host = new URL(slot.url, location.href).host;
      const why = config.relay
        ? "the connection to the local p4lab server was lost (is `p4lab serve` still running?)"
        : `the network failed, or S3 refused this page's origin (the stack's CorsAllowedOrigins must include ${location.origin})`;
      reject(new Error(`The browser could not send the file to ${host}: ${why}.`));
    };
    request.send(form);
  });
}

async function abandonSlot(imageId, message) {
  try {
    await api(`/api/uploads/${imageId}/abandon`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ message }),
    });
  } catch (error) {
    log(`Could not give up the slot (it expires by itself): ${error.message}`, "warning");
  }
}

async function waitForImage(imageId) {
  const deadline = Date.now() + POLL_LIMIT_MS;
  for (;;) {
    const image = await api(`/api/images/${imageId}`);
    // Not image.status: DONE is set only once the variants are on screen (tests wait for it).
    setState("WAITING", `${image.name}: ${image.status}`);
    if (image.status === "DONE" || image.status === "FAILED") return image;
    if (Date.now() > deadline) throw new Error(`Still ${image.status} after ${POLL_LIMIT_MS / 1000} s; see \`p4lab status ${imageId}\`.`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function loadImage(figure, url) {
  return new Promise((resolve) => {
    const img = document.createElement("img");
    img.onload = () => resolve(true);
    img.onerror = () => {
      figure.classList.add("broken");
      resolve(false);
    };
    img.alt = url.split("/").slice(-1)[0];
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
    caption.append(`${variant.name} · ${variant.format} · ${variant.width}×${variant.height} · ${readableSize(variant.bytes)} · `, link);
    figure.append(caption);
    container.append(figure);
    return loadImage(figure, variant.url);
  });
  const results = await Promise.all(loads);
  return results.filter(Boolean).length;
}

async function present(image) {
  if (image.status === "FAILED") {
    setState("FAILED", `${image.name}: FAILED (${image.reason}): ${image.message}`);
    return;
  }
  if (!config.cdn) {
    log("This target has no CDN (EnableCdn=false): variants are in the delivery bucket only.");
    setState("DONE", `${image.name}: DONE`);
    return;
  }
  const loaded = await showVariants(image);
  log(`${loaded} of ${image.variants.length} variants loaded from the CDN`);
  if (loaded < image.variants.length) {
    setState("ERROR", `${image.name}: DONE, but ${image.variants.length - loaded} of ${image.variants.length} variants did not load from the CDN (still deploying? see \`p4lab status\`).`);
    return;
  }
  setState("DONE", `${image.name}: DONE, ${loaded} variants`);
  stateEl.dataset.loaded = String(loaded);
}

async function upload(file) {
  logEl.replaceChildren();
  document.getElementById("variants").replaceChildren();
  progressEl.hidden = true;
  progressText.textContent = "";
  const problem = checkFile(file);
  if (problem) {
    setState("ERROR", problem);
    return;
  }
  let slot = null;
  try {
    setState("SLOT", `Asking for an upload slot for ${file.name}`);
    slot = await requestSlot(file);
    log(`Slot ${slot.imageId}: presigned POST to ${new URL(slot.url, location.href).href}`);
    setState("UPLOADING", `Uploading ${file.name} (${readableSize(file.size)})`);
    showProgress(0, file.size);
    try {
      await postFile(slot, file);
    } catch (error) {
      progressEl.hidden = true;
      progressText.textContent = "";
      await abandonSlot(slot.imageId, error.message);
      log(`Nothing was stored; slot ${slot.imageId} is marked FAILED (not_uploaded), so nothing waits for it.`);
      throw error;
    }
    log("S3 accepted the upload");
    await present(await waitForImage(slot.imageId));
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
  config = await api("/api/config");
  document.getElementById("max").textContent = readableSize(config.maxBytes);
  if (config.relay) {
    document.getElementById("lead").textContent =
      "The file goes to S3 with a presigned POST; the pipeline makes the variants, shown here from the CDN. " +
      "On this emulator the page relays the upload and the images itself (the emulator's certificate is " +
      "self-signed): there is nothing to trust. On AWS the browser talks to S3 and CloudFront directly.";
  }
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
  const params = new URLSearchParams(location.search);
  if (params.get("demo") === "1") upload(await demoFile());
  else if (params.get("image")) await present(await waitForImage(params.get("image")));
}

start().catch((error) => setState("ERROR", error.message));
