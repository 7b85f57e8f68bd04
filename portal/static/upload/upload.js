// Upload page: drag and drop, one API upload per file, live progress per file.
// Without this file the form still posts every file to /upload.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var input = document.getElementById("files");
  var zone = document.getElementById("dropzone");
  var list = document.getElementById("upload-list");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var api = form.getAttribute("data-api");
  var jobs = form.getAttribute("data-jobs");
  var FIELDS = ["title", "date", "fonds", "category", "department", "retention", "access_level", "creator", "doc_number"];
  var zh = document.documentElement.lang.indexOf("zh") === 0;
  function t(cn, en) { return zh ? cn : en; }

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; }
  });

  function row(name) {
    var li = document.createElement("li");
    li.className = "upload-item";
    var label = document.createElement("span"); label.className = "name"; label.textContent = name;
    var bar = document.createElement("progress"); bar.max = 1; bar.value = 0;
    var state = document.createElement("span"); state.className = "state"; state.textContent = t("上传中…", "Uploading…");
    li.appendChild(label); li.appendChild(bar); li.appendChild(state);
    list.appendChild(li);
    return li;
  }

  function fail(li, message) {
    li.classList.add("failed");
    var state = li.querySelector(".state");
    state.className = "error"; state.setAttribute("role", "alert"); state.textContent = message;
    var bar = li.querySelector("progress"); if (bar) { bar.remove(); }
  }

  function errorText(body, status) {
    if (body && body.error) { return zh ? body.error.message_zh : body.error.message_en; }
    return t("上传失败（" + status + "）", "Upload failed (" + status + ")");
  }

  function poll(li, id) {
    fetch(jobs + encodeURIComponent(id), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (b) { return [r, b]; }); })
      .then(function (pair) {
        var r = pair[0], job = pair[1];
        if (!r.ok) { fail(li, errorText(job, r.status)); return; }
        var bar = li.querySelector("progress"), state = li.querySelector(".state");
        if (job.pages_total) { bar.max = job.pages_total; bar.value = job.pages_done; }
        var pages = job.pages_total ? " " + job.pages_done + " / " + job.pages_total + t(" 页", " pages") : "";
        if (job.status === "failed") {
          fail(li, (job.error && job.error.message) || t("处理失败", "Processing failed"));
        } else if (job.status === "done") {
          li.classList.add("done"); bar.max = 1; bar.value = 1;
          state.textContent = job.duplicate_of ? t("已存在（重复文件）", "Already in the archive (duplicate)") : t("完成", "Done") + pages;
          if (job.record_url) {
            var a = document.createElement("a"); a.href = job.record_url; a.textContent = t("查看档案", "Open record");
            li.appendChild(a);
          }
        } else {
          state.textContent = (job.status === "running" ? t("处理中", "Processing") : t("已排队", "Queued")) + pages;
          window.setTimeout(function () { poll(li, id); }, 1000);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(li, id); }, 3000); });
  }

  function send(file) {
    var li = row(file.name);
    var data = new FormData();
    data.append("file", file, file.name);
    FIELDS.forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value) { data.append(name, field.value); }
    });
    return fetch(api, {method: "POST", body: data, credentials: "same-origin", headers: {"X-CSRFToken": csrf, "Accept": "application/json"}})
      .then(function (r) { return r.json().catch(function () { return null; }).then(function (b) { return [r, b]; }); })
      .then(function (pair) {
        if (pair[0].status !== 202) { fail(li, errorText(pair[1], pair[0].status)); return; }
        li.setAttribute("data-job", pair[1].job_id);
        li.querySelector(".state").textContent = t("已排队", "Queued");
        poll(li, pair[1].job_id);
      })
      .catch(function () { fail(li, t("网络错误", "Network error")); });
  }

  form.addEventListener("submit", function (event) {
    if (!input.files.length) { return; }
    event.preventDefault();
    var files = Array.prototype.slice.call(input.files);
    files.reduce(function (chain, file) { return chain.then(function () { return send(file); }); }, Promise.resolve())
      .then(function () { form.reset(); });
  });

  // Jobs listed by a form post without JS (or before it loaded) are polled too.
  Array.prototype.forEach.call(list.querySelectorAll("li[data-job]"), function (li) { poll(li, li.getAttribute("data-job")); });
})();
