// The simulator page: each phone posts what is typed to ./send (which signs it as Twilio would
// and passes it through the hotline's own SMS webhook) and polls ./phone for the messages the
// outbox worker delivered to its number, its place on the roster and its handoffs.
"use strict";

const POLL_MS = 1000;

// Words a trainer can start from; the officer's referral names the community member's number,
// so that the referred person's replies come from the first phone.
const SUGGESTIONS = {
  person: () => ["narcan near 98104", "can I talk to someone", "yes"],
  officer: (phones) => [
    `Referral: consented, ${localNumber(phones.person.number)}, post OD, needs narcan, spanish`,
    "new referral",
  ],
  specialist: () => [],
};

const ROSTER_COMMANDS = {
  officer: (number) => `hub roster add-officer --name "Demo officer" --phone ${number} --agency "Demo PD"`,
  specialist: (number) => `hub roster add-specialist --name "Demo specialist" --phone ${number} --zips 98104,98122 --languages en,es`,
};

function localNumber(e164) {
  const us = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164 || "");
  return us ? `${us[1]}-${us[2]}-${us[3]}` : e164;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;  // never innerHTML: message text is untrusted
  return node;
}

class Phone {
  constructor(section, phones) {
    this.role = section.dataset.role;
    this.phones = phones;
    this.numberInput = section.querySelector(".number");
    this.textInput = section.querySelector(".text");
    this.thread = section.querySelector(".thread");
    this.roster = section.querySelector(".roster");
    this.handoffs = section.querySelector(".handoffs");
    this.suggestions = section.querySelector(".suggestions");
    this.sending = section.querySelector(".sending");
    this.number = this.numberInput.value.trim();
    this.after = null;  // outbox id to ask after; null until the first poll says where the number stands
    this.seen = new Set();
    this.summaryKey = "";
    this.handoffRefs = [];
    this.polling = false;

    section.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    this.numberInput.addEventListener("change", () => this.changeNumber());
  }

  changeNumber() {
    this.number = this.numberInput.value.trim();
    this.after = null;
    this.seen.clear();
    this.thread.replaceChildren();
    this.summaryKey = "";
    this.note(`Now texting as ${this.number}.`);
    renderSuggestions(this.phones);
  }

  note(text) {
    this.thread.append(element("li", "note", text));
    this.scrollDown();
  }

  add(kind, label, text) {
    const item = element("li", `message ${kind}`);
    item.append(element("span", "from", label), element("span", "body", text));
    this.thread.append(item);
    this.scrollDown();
  }

  scrollDown() {
    this.thread.scrollTop = this.thread.scrollHeight;
  }

  async send() {
    const text = this.textInput.value;
    if (!text.trim()) return;
    this.add("sent", "Sent", text);
    this.textInput.value = "";
    this.sending.textContent = "Sending…";
    try {
      const answer = await fetch("send", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ from: this.number, text }),
      });
      const data = await answer.json();
      if (!answer.ok) throw new Error(data.error || `HTTP ${answer.status}`);
      for (const reply of data.replies) this.add("received", "Hotline", reply);
      // A relayed message, or a duplicate, gets an empty TwiML answer: say so rather than wait.
      this.sending.textContent = data.replies.length ? "" : "Sent. The hotline answered nothing in this thread (a relayed message gets no reply).";
    } catch (error) {
      this.sending.textContent = `Not sent: ${error.message}`;
    }
    this.poll();
  }

  async poll() {
    if (this.polling) return;  // a slow answer must not pile up requests
    this.polling = true;
    try {
      await this.pollOnce();
    } finally {
      this.polling = false;
    }
  }

  async pollOnce() {
    const query = new URLSearchParams({ number: this.number });
    if (this.after !== null) query.set("after", String(this.after));
    const number = this.number;
    let data;
    try {
      const answer = await fetch(`phone?${query}`, { cache: "no-store" });
      data = await answer.json();
      if (!answer.ok) throw new Error(data.error || `HTTP ${answer.status}`);
    } catch (error) {
      this.roster.textContent = `Cannot read this phone: ${error.message}`;
      return;
    }
    if (number !== this.number) return;  // the number changed while this poll was out
    for (const message of data.messages) {
      if (this.seen.has(message.id)) continue;
      this.seen.add(message.id);
      this.showDelivered(message);
    }
    this.after = data.after;
    this.showSummary(data);
  }

  showDelivered(message) {
    // A late answer is the assistant's answer to a text that got the holding reply: said as a reply.
    const what = message.purpose === "relay" ? "Hotline (relayed)"
      : message.purpose === "late_answer" || message.purpose === "late_emergency" ? "Hotline" : `Hotline (${message.purpose})`;
    if (message.status === "blocked") {
      this.add("undelivered", what, `Not delivered, this number texted STOP: ${message.body}`);
    } else if (message.status === "failed") {
      this.add("undelivered", what, `Not delivered: ${message.body}`);
    } else {
      this.add(message.purpose === "alert" || message.purpose === "escalation" ? "received alert" : "received", what, message.body);
    }
  }

  showSummary(data) {
    const key = JSON.stringify([data.role, data.name, data.agency, data.handoffs]);
    if (key === this.summaryKey) return;  // unchanged: leave the live region quiet
    this.summaryKey = key;
    this.roster.replaceChildren(...rosterLine(this.role, data));
    this.handoffs.replaceChildren();
    for (const handoff of data.handoffs) {
      const item = element("li", `handoff state-${handoff.state}`);
      item.append(element("span", "ref", handoff.ref), " ", element("span", "state", handoff.state + (handoff.outcome ? ` (${handoff.outcome})` : "")));
      this.handoffs.append(item);
    }
    if (!data.handoffs.length) this.handoffs.append(element("li", "none", "None yet."));
    this.handoffRefs = data.handoffs;
    renderSuggestions(this.phones);
  }
}

function rosterLine(role, data) {
  if (data.role === "community") {
    const parts = [element("span", "", role === "person" ? "Not on the roster: texts go to the assistant." : "Not on the roster, so this phone texts as a community member. To put it on the roster, run: ")];
    if (ROSTER_COMMANDS[role]) parts.push(element("code", "", ROSTER_COMMANDS[role](data.number)));
    return parts;
  }
  const who = [data.name, data.agency].filter(Boolean).join(", ");
  return [element("span", "", `On the roster as ${data.role}: ${who}.`)];
}

function renderSuggestions(phones) {
  for (const phone of Object.values(phones)) {
    const words = [...SUGGESTIONS[phone.role](phones)];
    if (phone.role === "specialist") {
      for (const handoff of phone.handoffRefs) {
        if (handoff.state === "alerted" || handoff.state === "escalated") words.push(`ACCEPT ${handoff.ref}`, `PASS ${handoff.ref}`);
        if (handoff.state === "accepted") words.push(`DONE ${handoff.ref} engaged`);
      }
    }
    const key = JSON.stringify(words);
    if (phone.suggestions.dataset.words === key) continue;
    phone.suggestions.dataset.words = key;
    phone.suggestions.replaceChildren(...words.map((words_) => {
      const button = element("button", "suggestion", words_);
      button.type = "button";
      button.addEventListener("click", () => {
        phone.textInput.value = words_;
        phone.textInput.focus();
      });
      return button;
    }));
    if (!words.length) phone.suggestions.append(element("span", "none", "ACCEPT, PASS and DONE appear here when an alert arrives."));
  }
}

async function showHotline() {
  const status = document.getElementById("hotline-status");
  try {
    const answer = await fetch("hotline", { cache: "no-store" });
    const data = await answer.json();
    document.getElementById("hotline-number").textContent = ` (${data.hotline_number})`;
    status.textContent = data.transport === "twilio"
      ? "Twilio transport: alerts and relayed messages really go out by SMS."
      : "";
  } catch (error) {
    status.textContent = `The hotline does not answer: ${error.message}`;
  }
}

function start() {
  const phones = {};
  for (const section of document.querySelectorAll(".phone")) {
    const phone = new Phone(section, phones);
    phones[phone.role] = phone;
  }
  renderSuggestions(phones);
  showHotline();
  const pollAll = () => Promise.all(Object.values(phones).map((phone) => phone.poll()));
  pollAll();
  setInterval(pollAll, POLL_MS);
}

document.addEventListener("DOMContentLoaded", start);
