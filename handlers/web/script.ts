// The dashboard's little JavaScript, inlined in the page and allowed by its hash in the CSP: it keeps the
// chart, the history and the status fresh while the page is visible, and does the upload (a presigned
// POST straight to S3) and the delete. Everything it writes into the page goes through textContent.
export const DASHBOARD_SCRIPT = `"use strict";
(() => {
  // Every link and request on the page is relative to its folder: make the address end in "/" first.
  if (!location.pathname.endsWith("/")) {
    history.replaceState(null, "", location.pathname + "/" + location.search + location.hash);
  }
  const number = (value) => Number(value).toLocaleString("en-US");
  const when = (iso) => (iso ? iso.replace("T", " ").replace("Z", " UTC") : "");
  const api = (path, params) => "api/" + path + (params ? "?" + new URLSearchParams(params) : "");
  async function getJson(url, init) {
    const response = await fetch(url, Object.assign({ headers: { accept: "application/json" } }, init));
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.message || "the API answered " + response.status);
    return body;
  }
  function row(cells) {
    const tr = document.createElement("tr");
    for (const cell of cells) {
      const td = document.createElement("td");
      if (cell.className) td.className = cell.className;
      if (cell.node) td.append(cell.node);
      else td.textContent = cell.text;
      tr.append(td);
    }
    return tr;
  }
  function emptyRow(columns, text) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = columns;
    td.className = "empty";
    td.textContent = text;
    tr.append(td);
    return tr;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const main = document.querySelector("main");
    const data = main.dataset;
    const chart = document.getElementById("chart");
    const chartStatus = document.getElementById("chart-status");
    const status = document.getElementById("action-status");
    const say = (text, tone) => {
      status.textContent = text;
      status.className = "status-line " + (tone || "");
    };

    chart.addEventListener("error", () => {
      chartStatus.textContent = "The chart could not be loaded (the API may be throttling); it is retried shortly.";
    });
    chart.addEventListener("load", () => {
      chartStatus.textContent = "";
    });

    async function refreshHistory() {
      if (data.cursor) return; // an older page stays as it is
      const page = await getJson(api("history", { bucket: data.bucket }));
      const body = document.querySelector("#history tbody");
      body.replaceChildren(
        ...(page.records.length === 0
          ? [emptyRow(3, "No records yet for this bucket.")]
          : page.records.map((record) =>
              row([
                { text: when(record.recordedAt) },
                { text: number(record.totalSize), className: "number" },
                { text: number(record.objectCount), className: "number" },
              ]),
            )),
      );
      const newest = page.records[0];
      if (newest) {
        document.getElementById("current-size").textContent = number(newest.totalSize) + " bytes";
        document.getElementById("current-note").textContent =
          number(newest.objectCount) + (newest.objectCount === 1 ? " object" : " objects") + " at " + when(newest.recordedAt);
      }
    }

    async function refreshObjects() {
      const page = await getJson(api("objects", { bucket: data.bucket }));
      const body = document.querySelector("#objects tbody");
      body.replaceChildren(
        ...(page.objects.length === 0
          ? [emptyRow(4, "The bucket is empty.")]
          : page.objects.map((object) => {
              let action = { text: "" };
              if (data.canUpload === "true" && object.key.startsWith(data.prefix)) {
                const button = document.createElement("button");
                button.type = "button";
                button.className = "danger";
                button.textContent = "Delete";
                button.dataset.key = object.key;
                button.setAttribute("aria-label", "Delete " + object.key);
                action = { node: button };
              }
              const key = document.createElement("span");
              key.className = "key";
              key.textContent = object.key;
              return row([
                { node: key },
                { text: number(object.size), className: "number" },
                { text: when(object.lastModified) },
                action,
              ]);
            })),
      );
    }

    async function refreshStatus() {
      const found = await getJson(api("status"));
      const failures = document.getElementById("failures");
      if (failures && "waiting" in found.failures) failures.textContent = number(found.failures.waiting);
      const alarm = document.getElementById("alarm");
      const words = { OK: "OK", ALARM: "In alarm", INSUFFICIENT_DATA: "Insufficient data" };
      if (alarm && found.alarm.state) alarm.textContent = words[found.alarm.state] || found.alarm.state;
    }

    const refreshMs = Math.max(2, Number(data.refresh)) * 1000;
    async function tick() {
      if (document.visibilityState !== "visible") return;
      chart.src = "plot?" + new URLSearchParams({ format: "png", bucket: data.bucket, seconds: data.seconds, t: Date.now() });
      await Promise.allSettled([refreshHistory(), refreshStatus()]);
    }
    setInterval(tick, refreshMs);
    document.addEventListener("visibilitychange", tick);

    const form = document.getElementById("upload");
    if (form) {
      const input = document.getElementById("file");
      const button = form.querySelector("button");
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const file = input.files[0];
        if (!file) return say("Choose a file first.", "bad");
        const max = Number(data.maxBytes);
        if (file.size > max) {
          return say(file.name + " is " + number(file.size) + " bytes; the limit is " + number(max) + " bytes.", "bad");
        }
        button.disabled = true;
        say("Uploading " + file.name + "…");
        try {
          const upload = await getJson(api("upload-form"));
          const body = new FormData();
          // The key is named here rather than left to S3's \${filename}: the page then knows it, and so
          // does every S3 implementation. The signed policy still holds it to the upload prefix.
          for (const [name, value] of Object.entries(upload.fields)) {
            body.append(name, name === "key" ? value.split("\${filename}").join(file.name) : value);
          }
          body.append("Content-Type", file.type || "application/octet-stream");
          body.append("file", file);
          const response = await fetch(upload.url, { method: "POST", body });
          const answer = new DOMParser().parseFromString(await response.text(), "application/xml");
          const text = (name) => answer.getElementsByTagName(name)[0]?.textContent;
          if (!response.ok) throw new Error(text("Message") || "S3 answered " + response.status);
          say("Uploaded " + (text("Key") || upload.prefix + file.name) + ". The tracker records the new size in a moment.", "good");
          form.reset();
          await refreshObjects();
          setTimeout(tick, 1500);
        } catch (error) {
          say("Upload failed: " + error.message, "bad");
        } finally {
          button.disabled = false;
        }
      });
    }

    document.querySelector("#objects tbody").addEventListener("click", async (event) => {
      const button = event.target.closest("button[data-key]");
      if (!button) return;
      const key = button.dataset.key;
      if (!confirm("Delete " + key + " from " + data.bucket + "?")) return;
      button.disabled = true;
      try {
        await getJson(api("objects", { key }), { method: "DELETE" });
        say("Deleted " + key + ". The tracker records the new size in a moment.", "good");
        await refreshObjects();
        setTimeout(tick, 1500);
      } catch (error) {
        say("Delete failed: " + error.message, "bad");
        button.disabled = false;
      }
    });
  });
})();
`;
