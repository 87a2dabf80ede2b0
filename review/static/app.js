// Keyboard shortcuts of the review desk. Queue: j/k select a row, Enter or o opens it.
// Post page: j/k next/previous post, c/f/u decide (confirmed, false positive, follow-up).
// Keys typed into a field (the note, the search box) are left alone.
"use strict";

function typing(event) {
  const el = event.target;
  return event.ctrlKey || event.metaKey || event.altKey ||
    (el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName)));
}

function queueKeys(event) {
  const rows = Array.from(document.querySelectorAll("tr.row"));
  if (!rows.length) return;
  let index = rows.findIndex((row) => row.classList.contains("selected"));
  if (event.key === "j" || event.key === "k") {
    if (index >= 0) rows[index].classList.remove("selected");
    index = event.key === "j" ? Math.min(rows.length - 1, index + 1) : Math.max(0, index - 1);
    rows[index].classList.add("selected");
    rows[index].scrollIntoView({ block: "nearest" });
  } else if ((event.key === "Enter" || event.key === "o") && index >= 0) {
    window.location.assign(rows[index].dataset.href);
  }
}

function postKeys(event) {
  const links = { j: "next", k: "prev" };
  if (links[event.key]) {
    const link = document.getElementById(links[event.key]);
    if (link) window.location.assign(link.href);
    return;
  }
  const button = document.querySelector(`#decide button[data-key="${event.key}"]`);
  if (button) button.click();
}

document.addEventListener("keydown", (event) => {
  if (typing(event)) return;
  const page = document.body.dataset.page;
  if (page === "queue") queueKeys(event);
  else if (page === "post") postKeys(event);
});
