document.querySelectorAll("input[data-show-password]").forEach(function (box) {
  var input = document.getElementById(box.getAttribute("data-show-password"));
  box.parentElement.hidden = false;
  box.addEventListener("change", function () { input.type = box.checked ? "text" : "password"; });
});
