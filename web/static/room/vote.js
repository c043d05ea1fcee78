// Votes (biểu quyết): the chair asks a question with 2 to 10 options, per site or per person; each answers
// once from its room page; the chair sees the counts live; when the chair closes it, everyone sees the results.

import { $, button, element, fill } from "./dom.js";

const MIN_OPTIONS = 2;
const MAX_OPTIONS = 10;

function drawCounts(list, options, counts) {
  list.replaceChildren();
  const total = counts.reduce((a, b) => a + b, 0);
  options.forEach((label, i) => {
    const item = element("li", "vote-count");
    item.dataset.option = i;
    const count = counts[i] || 0;
    item.append(element("span", "vote-count-label", label), element("strong", "vote-count-n", count));
    const bar = element("span", "vote-bar");
    bar.style.width = `${total ? Math.round((100 * count) / total) : 0}%`;
    item.append(bar);
    list.append(item);
  });
}

export class Votes {
  constructor(texts, send) {
    this.texts = texts;
    this.send = send;
    this.open = null; // {id, question, options, per}
    this.answered = new Set(); // votes this page answered
    this.canAnswer = { site: false, person: false };
    const inputs = $("vote-option-inputs");
    if (inputs) {
      // The usual three answers of a council vote, already filled in: the chair edits them if need be
      // (empty boxes with "Option 1" placeholders looked filled in and were refused).
      for (const value of [texts.vote_yes, texts.vote_no, texts.vote_abstain]) {
        this.addOption(value);
      }
      $("vote-add-option").addEventListener("click", () => this.addOption());
      $("vote-form").addEventListener("submit", (event) => {
        event.preventDefault();
        this.ask();
      });
      $("vote-close").addEventListener("click", () => {
        if (this.open && window.confirm(this.texts.confirm_vote_close)) {
          this.send({ type: "chair", action: "vote_close", vote: this.open.id });
        }
      });
    }
  }

  // ---------- the chair asks ----------

  addOption(value = "") {
    const inputs = $("vote-option-inputs");
    if (inputs.children.length >= MAX_OPTIONS) {
      return;
    }
    const item = element("li");
    const input = element("input", "vote-option-input");
    input.maxLength = 200;
    input.autocomplete = "off";
    input.value = value;
    input.placeholder = fill(this.texts.vote_option, { n: inputs.children.length + 1 });
    input.setAttribute("aria-label", input.placeholder);
    item.append(input);
    inputs.append(item);
    $("vote-add-option").disabled = inputs.children.length >= MAX_OPTIONS;
  }

  ask() {
    const question = $("vote-question").value.trim();
    const options = [...document.querySelectorAll(".vote-option-input")].map((i) => i.value.trim()).filter(Boolean);
    let problem = "";
    if (!question) {
      problem = this.texts.vote_need_question;
    } else if (options.length < MIN_OPTIONS || options.length > MAX_OPTIONS) {
      problem = this.texts.vote_need_options;
    }
    $("vote-form-error").hidden = !problem;
    $("vote-form-error").textContent = problem;
    if (!problem) {
      this.send({ type: "chair", action: "vote_open", question, options, per: $("vote-per").value });
    }
  }

  // The console's view of the open vote: live counts and who answered.
  drawLive(vote) {
    const form = $("vote-form");
    if (!form) {
      return;
    }
    form.hidden = Boolean(vote);
    $("vote-live").hidden = !vote;
    if (!vote) {
      return;
    }
    $("vote-live-question").textContent = vote.question;
    drawCounts($("vote-live-counts"), vote.options, vote.counts || []);
    $("vote-live-answered").textContent = [
      fill(this.texts.vote_answered, { n: (vote.answered || []).length }),
      vote.per === "person" ? this.texts.vote_per_person : this.texts.vote_per_site,
    ].join(" · ");
  }

  clearForm() {
    if (!$("vote-question")) {
      return;
    }
    $("vote-question").value = "";
    document.querySelectorAll(".vote-option-input").forEach((input) => {
      input.value = "";
    });
  }

  // ---------- everyone answers ----------

  setVoter(canAnswer) {
    this.canAnswer = canAnswer;
    this.drawAnswer();
  }

  opened(vote) {
    this.open = vote;
    $("vote-results").hidden = true;
    this.drawAnswer();
  }

  drawAnswer() {
    const panel = $("vote-answer");
    if (!panel) {
      return;
    }
    const vote = this.open;
    panel.hidden = !(vote && this.canAnswer[vote.per] && this.notMine !== vote.id);
    if (panel.hidden) {
      return;
    }
    panel.dataset.vote = vote.id;
    $("vote-answer-question").textContent = vote.question;
    $("vote-answer-per").textContent = vote.per === "person" ? this.texts.vote_per_person : this.texts.vote_per_site;
    const choices = $("vote-answer-options");
    choices.replaceChildren();
    const done = this.answered.has(vote.id);
    vote.options.forEach((label, i) => {
      const choice = button("vote-choice", label, () => this.answer(vote, i));
      choice.dataset.choice = i;
      choice.disabled = done;
      choices.append(choice);
    });
    choices.hidden = done;
    $("vote-answer-done").hidden = !done;
  }

  answer(vote, choice) {
    if (this.answered.has(vote.id) || !this.send({ type: "vote", vote: vote.id, choice })) {
      return;
    }
    this.answered.add(vote.id);
    $("vote-answer-done").textContent = fill(this.texts.vote_done, { choice: vote.options[choice] });
    this.drawAnswer();
  }

  // The server took the answer.
  confirmed(voteId, choice) {
    this.answered.add(voteId);
    if (this.open && this.open.id === voteId) {
      $("vote-answer-done").textContent = fill(this.texts.vote_done, { choice: this.open.options[choice] ?? "" });
    }
    this.drawAnswer();
  }

  // This page does not vote in this vote (a site's PC in a vote per person, say).
  notVoter() {
    if (this.open) {
      this.notMine = this.open.id;
      this.drawAnswer();
    }
  }

  // The server says this page had already answered (another tab, before a reconnection).
  alreadyAnswered() {
    if (this.open) {
      this.answered.add(this.open.id);
      $("vote-answer-done").textContent = fill(this.texts.vote_done, { choice: "…" });
      this.drawAnswer();
    }
  }

  closed(result) {
    if (this.open && this.open.id === result.vote) {
      this.open = null;
    }
    this.drawAnswer();
    this.clearForm();
    const panel = $("vote-results");
    panel.hidden = false;
    panel.dataset.vote = result.vote;
    $("vote-results-question").textContent = result.question;
    drawCounts($("vote-results-counts"), result.options || [], result.counts || []);
    $("vote-results-total").textContent = fill(this.texts.vote_total, { n: result.total ?? 0 });
  }
}
