// Ledger upload with a progress bar: the same form, sent with XMLHttpRequest so that the upload's progress shows;
// the answer (the result page) then replaces this page. Without JavaScript the form posts as usual.
(function () {
  var form = document.getElementById("upload");
  if (!form || !window.XMLHttpRequest) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var bar = document.getElementById("progress");
    bar.hidden = false;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
    xhr.onload = function () {
      bar.value = 100;
      document.open();
      document.write(xhr.responseText);
      document.close();
    };
    xhr.onerror = function () { alert("上传失败，请检查网络后重试"); bar.hidden = true; };
    xhr.send(new FormData(form));
  });
})();
