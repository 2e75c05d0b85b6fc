document.addEventListener("DOMContentLoaded", function () {
  document.body.setAttribute("data-loaded", "yes");
});
