// The report page's only script (ReportPage.java): the failure table's filters. It is the last
// element of the page, so everything it touches is parsed; it loads nothing and sends nothing.
"use strict";
{
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const table = document.getElementById("failures");
  if (table) {
    const controls = document.getElementById("failure-controls");
    const filter = document.getElementById("filter");
    const reason = document.getElementById("reason");
    const chips = document.getElementById("reason-chips");
    const status = document.getElementById("shown");
    const none = document.getElementById("no-match");
    const count = (n) => n.toLocaleString("en");

    // Failures by reason over the whole run (the table may list fewer): one option and one chip
    // each. Text goes in as text, never as markup.
    for (const [name, n] of Object.entries(data.failedByReason)) {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = `${name} (${count(n)})`;
      reason.append(option);
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.dataset.reason = name;
      chip.append(name);
      const b = document.createElement("b");
      b.textContent = count(n);
      chip.append(b);
      chips.append(chip);
    }

    // Each row's text is read once; a filter pass only compares strings and sets `hidden`.
    const rows = Array.from(table.tBodies[0].rows, (tr) => ({
      tr,
      reason: tr.dataset.reason,
      text: Array.from(tr.cells, (td) => td.textContent).join("\n").toLowerCase(),
    }));

    const apply = () => {
      const terms = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      const wanted = reason.value;
      let shown = 0;
      for (const row of rows) {
        const match =
          (wanted === "" || row.reason === wanted) && terms.every((t) => row.text.includes(t));
        row.tr.hidden = !match;
        if (match) {
          shown++;
        }
      }
      for (const chip of chips.children) {
        chip.setAttribute("aria-pressed", String(chip.dataset.reason === wanted));
      }
      const { listed, total } = data.failures;
      if (shown !== listed) {
        status.textContent = `${count(shown)} of ${count(listed)} listed failures match`;
      } else if (listed < total) {
        status.textContent = `${count(listed)} of ${count(total)} failures listed`;
      } else {
        status.textContent = `${count(listed)} ${listed === 1 ? "failure" : "failures"} listed`;
      }
      none.hidden = shown > 0;
    };

    filter.addEventListener("input", apply);
    reason.addEventListener("change", apply);
    chips.addEventListener("click", (e) => {
      const chip = e.target.closest("button.chip");
      if (chip) {
        reason.value = reason.value === chip.dataset.reason ? "" : chip.dataset.reason;
        apply();
      }
    });
    controls.hidden = false;
    apply();
  }
}
