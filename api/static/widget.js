/*
 * policybot chat widget. One tag embeds it in any page:
 *   <script src="http://HOST/widget.js" data-title="普陀营商政策问答" defer></script>
 * Optional: data-lang="zh" | "en" (default: the page's lang).
 *
 * It talks to the server that served this script (so it works on pages of other origins, when
 * that server allows them by POLICYBOT_CORS_ORIGINS), renders in a shadow root (the host page's
 * CSS cannot reach it), and keeps the conversation in sessionStorage (follow-ups survive
 * reloads in the same tab).
 */
(() => {
  "use strict";

  const HOST_ID = "policybot-widget";
  if (document.getElementById(HOST_ID)) return; // embedded twice: keep the first

  // document.currentScript is null in callbacks, so read it now.
  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const API = new URL(script.src, location.href).origin;
  const STORAGE_KEY = `policybot:${API}`;
  const BUNDLED_ID = "putuo-yingshang-2021";
  const MAX_TURNS = 30; // kept in sessionStorage; older turns are dropped

  const TEXT = {
    zh: {
      title: "营商政策问答",
      subtitle: "依据《普陀区深化推进一流营商环境建设行动方案》",
      fromOne: (title) => `依据《${title}》`,
      fromSeveral: (n) => `依据已加载的${n}份政策文件`,
      launcher: "政策问答",
      open: "打开营商政策问答",
      close: "关闭问答窗口",
      reset: "开始新对话",
      intro: "您好！我可以解答普陀区优化营商环境行动方案的内容，并告诉您每项措施由哪个部门负责。",
      introLibrary: "您好！我可以解答已加载政策文件的内容，并告诉您每项措施由哪个部门负责。",
      suggestionsLabel: "您可以这样问",
      suggestions: ["企业注销找哪个部门？", "不动产登记有哪些便利措施？",
                    "外籍人才办理工作许可找谁？", "中小企业融资难怎么办？"],
      log: "对话记录",
      you: "您的问题：",
      bot: "回答：",
      inputLabel: "输入您的问题",
      placeholder: "输入问题，按 Enter 发送",
      send: "发送",
      searching: "正在查找相关措施…",
      cites: "引用的措施",
      chip: (n) => `第${n}条`,
      related: "相关",
      relatedGroup: "相关措施，可向其责任单位咨询",
      relatedChip: (n) => `相关：第${n}条`,
      units: "责任单位：",
      rate: "这个回答有帮助吗？",
      up: "有帮助",
      down: "没有帮助",
      commentLabel: "补充说明（可选）",
      commentPlaceholder: "哪里不对或缺少什么？",
      submit: "提交",
      thanks: "感谢您的反馈！",
      saved: "已记录您的评价。",
      unsent: "评价未能提交，请稍后再试。",
      invalid: "请换个说法再问一次：问题不能为空，也不宜过长。",
      failed: "抱歉，暂时无法回答，请稍后再试。",
      offline: "无法连接到问答服务，请稍后再试。",
      note: "回答摘自方案原文，仅供参考",
    },
    en: {
      title: "Business policy Q&A",
      subtitle: "From Putuo's 2021 action plan",
      fromOne: (title) => `From “${title}”`,
      fromSeveral: (n) => `From ${n} policy documents`,
      launcher: "Ask the plan",
      open: "Open the business policy Q&A",
      close: "Close the Q&A panel",
      reset: "Start a new conversation",
      intro: "Hello! I answer questions about Putuo District's business-environment action " +
             "plan and tell you which department is responsible for each measure.",
      introLibrary: "Hello! I answer questions about the policy documents loaded here and " +
                    "tell you which department is responsible for each measure.",
      suggestionsLabel: "Try asking",
      suggestions: ["Who handles closing a company?",
                    "What does the plan offer for property registration?",
                    "Who helps foreign talent with work permits?",
                    "How can small businesses get financing?"],
      log: "Conversation",
      you: "Your question: ",
      bot: "Answer: ",
      inputLabel: "Type your question",
      placeholder: "Ask a question, press Enter to send",
      send: "Send",
      searching: "Looking up the plan…",
      cites: "Measures cited",
      chip: (n) => `Measure ${n}`,
      related: "Related",
      relatedGroup: "Related measures; their responsible units can help",
      relatedChip: (n) => `Related: measure ${n}`,
      units: "Responsible units: ",
      rate: "Was this answer helpful?",
      up: "Helpful",
      down: "Not helpful",
      commentLabel: "Tell us more (optional)",
      commentPlaceholder: "What was wrong or missing?",
      submit: "Submit",
      thanks: "Thank you for your feedback!",
      saved: "Your rating was recorded.",
      unsent: "Your feedback could not be sent. Please try again later.",
      invalid: "Please rephrase: the question must not be empty or too long.",
      failed: "Sorry, I cannot answer right now. Please try again later.",
      offline: "Cannot reach the Q&A service. Please try again later.",
      note: "Answers quote the plan; for reference only",
    },
  };

  const langTag = (script.dataset.lang || document.documentElement.lang || "zh").toLowerCase();
  const t = langTag.startsWith("en") ? TEXT.en : TEXT.zh;
  const title = script.dataset.title || t.title;

  /** Create an element. tag: name; props: attributes ("text" sets textContent);
   * children: nodes or strings. */
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    node.append(...children);
    return node;
  }

  // --- conversation state:
  // { session_id, turns: [{ question, answer, coverage, citations, related, rating }] }
  function loadState() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY));
      if (saved && Array.isArray(saved.turns)) return saved;
    } catch (_) { /* storage blocked or corrupt: start afresh */ }
    return { session_id: null, turns: [] };
  }
  function saveState() {
    state.turns = state.turns.slice(-MAX_TURNS);
    try { sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state)); } catch (_) { /* full */ }
  }
  let state = loadState();
  let busy = false;
  let messageCount = 0; // makes ids unique within the shadow root

  // --- the DOM, inside a shadow root
  const host = el("div", { id: HOST_ID });
  const shadow = host.attachShadow({ mode: "open" });
  const sheet = el("link", { rel: "stylesheet", href: `${API}/widget.css` });
  const root = el("div", { class: "pb-root", lang: t === TEXT.en ? "en" : "zh-CN" });
  // Hidden until the stylesheet is in, so the page never shows an unstyled widget.
  root.hidden = true;
  sheet.addEventListener("load", () => { root.hidden = false; });

  // Icons are inline SVG constants (set as innerHTML, never user text): emoji and icon fonts
  // vary by system and may be missing.
  const ICON = {
    chat: '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">' +
      '<path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 ' +
      '1-2-2V6a2 2 0 0 1 2-2zm3 6a1.3 1.3 0 1 0 0 2.6A1.3 1.3 0 0 0 7 10zm5 0a1.3 1.3 0 1 0 ' +
      '0 2.6 1.3 1.3 0 0 0 0-2.6zm5 0a1.3 1.3 0 1 0 0 2.6 1.3 1.3 0 0 0 0-2.6z"/></svg>',
    send: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">' +
      '<path fill="currentColor" d="M3 20.5 21 12 3 3.5 3 10l12 2-12 2z"/></svg>',
    // 👍; CSS turns it over for 👎
    thumb: '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">' +
      '<path fill="currentColor" d="M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3a1.5 ' +
      '1.5 0 0 0-.4-1L13.2 1 6.6 7.6A2 2 0 0 0 6 9v10a2 2 0 0 0 2 2h9a2 2 0 0 0 1.8-1.2l3-7.1' +
      'c.1-.2.2-.5.2-.7v-2z"/></svg>',
  };

  const launcher = el("button", {
    type: "button", class: "pb-launcher", "aria-label": t.open, "aria-expanded": "false",
    "aria-controls": "pb-panel", "aria-haspopup": "dialog",
  });
  launcher.innerHTML = ICON.chat;
  launcher.append(el("span", { class: "pb-launcher-text", text: t.launcher }));

  const closeButton = el("button", { type: "button", class: "pb-icon-button pb-close",
                                     "aria-label": t.close, title: t.close, text: "×" });
  const resetButton = el("button", { type: "button", class: "pb-icon-button pb-reset",
                                     "aria-label": t.reset, title: t.reset, text: "↺" });
  const subtitle = el("p", { class: "pb-subtitle", text: t.subtitle });
  // The sample questions are about the bundled plan: shown only while it is loaded.
  let suggesting = true;
  const header = el("header", { class: "pb-header" },
    el("span", { class: "pb-logo", "aria-hidden": "true", text: t === TEXT.en ? "Q" : "问" }),
    el("div", { class: "pb-heading" },
      el("h2", { id: "pb-title", class: "pb-title", text: title }),
      subtitle),
    resetButton, closeButton);

  // Focusable, so that keyboard users can scroll a long answer.
  const log = el("div", { class: "pb-log", role: "log", "aria-live": "polite",
                          "aria-label": t.log, tabindex: "0" });
  const suggestions = el("div", { class: "pb-suggestions", role: "group",
                                  "aria-label": t.suggestionsLabel },
    el("p", { class: "pb-suggestions-label", "aria-hidden": "true", text: t.suggestionsLabel }),
    ...t.suggestions.map((q) => el("button", { type: "button", class: "pb-suggestion", text: q })));

  const input = el("textarea", { id: "pb-input", class: "pb-input", rows: "1",
                                 placeholder: t.placeholder, autocomplete: "off" });
  const sendButton = el("button", { type: "submit", class: "pb-send", "aria-label": t.send,
                                    title: t.send });
  sendButton.innerHTML = ICON.send;
  const form = el("form", { class: "pb-form" },
    el("label", { class: "pb-sr-only", for: "pb-input", text: t.inputLabel }), input, sendButton);

  const panel = el("section", { id: "pb-panel", class: "pb-panel", role: "dialog",
                                "aria-labelledby": "pb-title" },
    header, log, form, el("p", { class: "pb-note", text: t.note }));
  panel.hidden = true;

  root.append(launcher, panel);
  shadow.append(sheet, root);

  // --- rendering
  function scrollToEnd() { log.scrollTop = log.scrollHeight; }

  /** Scroll down with a growing answer, but never past its question: a long answer is read
   * from the top. */
  function follow(question) {
    log.scrollTop = Math.min(log.scrollHeight, question.offsetTop - 12);
  }

  function renderIntro() {
    log.replaceChildren(el("div", { class: "pb-msg pb-bot pb-intro" },
      el("p", { class: "pb-text", text: suggesting ? t.intro : t.introLibrary })));
    if (!state.turns.length && suggesting) log.append(suggestions);
  }

  function userBubble(question) {
    return el("div", { class: "pb-msg pb-user" },
      el("span", { class: "pb-sr-only", text: t.you }),
      el("p", { class: "pb-text", text: question }));
  }

  /** Measure chips; each expands to the measure's section, text and responsible units.
   * related: false for the measures the answer rests on; true for related measures (the plan
   * has the topic but not the detail asked), which look different, start with a visible
   * "相关" label and are named "相关：第35条" so that they are never taken for citations.
   * answer: the answer's text; when it names the citations' documents (several documents are
   * loaded), so do the chips. */
  /** A chip's label: 第21条, or 《若干措施》第（四）项 when the answer names the document (it
   * does when several are loaded). Turns stored by an older widget have no source. */
  function chipLabel(c, answer) {
    if (!c.source || !answer.includes(c.source)) return t.chip(c.measure);
    const title = c.source.replace(/^《(.+?)》.*$/, "$1");
    // The words after the last 的 name the kind of document (若干措施) when they are enough.
    const tail = title.slice(title.lastIndexOf("的") + 1);
    const short = tail.length >= 4 ? tail : title;
    return t === TEXT.en ? `《${short}》 ${t.chip(c.measure)}` : `《${short}》${c.label}`;
  }

  function citationBlock(citations, related, answer) {
    const id = ++messageCount;
    const chips = el("div", { class: "pb-chips", role: "group",
                              "aria-label": related ? t.relatedGroup : t.cites });
    if (related) {
      chips.append(el("span", { class: "pb-chips-label", "aria-hidden": "true",
                                text: t.related }));
    }
    const bodies = el("div", { class: "pb-cite-bodies" });
    for (const c of citations) {
      const bodyId = `pb-cite-${id}-${c.measure}`;
      const label = chipLabel(c, answer);
      const plain = label === t.chip(c.measure);
      const name = !related ? label : plain ? t.relatedChip(c.measure) : `${t.related}：${label}`;
      const chip = el("button", { type: "button", "aria-expanded": "false",
                                  class: related ? "pb-chip pb-chip-related" : "pb-chip",
                                  "aria-controls": bodyId, "aria-label": name,
                                  text: label });
      const body = el("div", { id: bodyId, class: related ? "pb-cite pb-cite-related" : "pb-cite",
                               role: "region", "aria-label": name },
        el("p", { class: "pb-cite-head" },
          el("strong", { text: label }), ` · ${c.section}`),
        el("p", { class: "pb-cite-text", text: c.text }),
        el("p", { class: "pb-cite-units" },
          el("strong", { text: t.units }), c.units.join("、")));
      body.hidden = true;
      chip.addEventListener("click", () => {
        body.hidden = !body.hidden;
        chip.setAttribute("aria-expanded", String(!body.hidden));
        if (!body.hidden) body.scrollIntoView({ block: "nearest" });
      });
      chips.append(chip);
      bodies.append(body);
    }
    return el("div", { class: related ? "pb-cites pb-related" : "pb-cites" }, chips, bodies);
  }

  /** 👍/👎 for one turn, then an optional comment (sent as an update of the same rating). */
  function feedbackBlock(turn) {
    const status = el("p", { class: "pb-feedback-status", role: "status" });
    const buttons = [["up", t.up], ["down", t.down]].map(([rating, label]) => {
      const button = el("button", { type: "button", class: "pb-rate", "data-rating": rating,
                                    "aria-label": label, title: label,
                                    "aria-pressed": String(turn.rating === rating) });
      button.innerHTML = ICON.thumb;
      return button;
    });
    const comment = el("input", { type: "text", class: "pb-comment-input", maxlength: "1000",
                                  placeholder: t.commentPlaceholder, "aria-label": t.commentLabel });
    const commentForm = el("form", { class: "pb-comment" }, comment,
      el("button", { type: "submit", class: "pb-comment-send", text: t.submit }));
    commentForm.hidden = true;

    for (const button of buttons) {
      button.addEventListener("click", async () => {
        const rating = button.dataset.rating;
        if (await sendFeedback(turn, rating, null)) {
          turn.rating = rating;
          saveState();
          for (const b of buttons) b.setAttribute("aria-pressed", String(b === button));
          status.textContent = t.saved;
          commentForm.hidden = false;
          commentForm.scrollIntoView({ block: "nearest" });
        } else {
          status.textContent = t.unsent;
        }
      });
    }
    commentForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = comment.value.trim();
      if (!text) return;
      if (await sendFeedback(turn, turn.rating, text)) {
        commentForm.hidden = true;
        status.textContent = t.thanks;
      } else {
        status.textContent = t.unsent;
      }
    });
    return el("div", { class: "pb-feedback" },
      el("div", { class: "pb-rates", role: "group", "aria-label": t.rate }, ...buttons),
      status, commentForm);
  }

  async function sendFeedback(turn, rating, comment) {
    try {
      const response = await fetch(`${API}/api/v1/feedback`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          session_id: turn.session_id, question: turn.question, answer: turn.answer, rating,
          comment, measures: turn.citations.map((c) => c.measure),
        }),
      });
      return response.ok;
    } catch (_) {
      return false;
    }
  }

  /** A bot bubble; fill(turn) completes it with the notice of a partial answer, chips and
   * feedback. */
  function botBubble() {
    const text = el("p", { class: "pb-text" });
    const bubble = el("div", { class: "pb-msg pb-bot", "aria-busy": "true" },
      el("span", { class: "pb-sr-only", text: t.bot }), text);
    return {
      bubble,
      text,
      fill(turn) {
        // Turns stored by an older widget have neither coverage nor related.
        const related = turn.related || [];
        if (turn.coverage === "partial") {
          // The first line says what the plan does not state: shown apart, so that the
          // measures under it are not read as the answer.
          const [lead, ...rest] = turn.answer.split("\n");
          text.before(el("p", { class: "pb-notice", text: lead }));
          text.textContent = rest.join("\n").trim();
          text.hidden = !text.textContent;
        } else {
          text.textContent = turn.answer;
        }
        if (turn.citations.length) {
          bubble.append(citationBlock(turn.citations, false, turn.answer));
        }
        if (related.length) bubble.append(citationBlock(related, true, turn.answer));
        bubble.append(feedbackBlock(turn));
        bubble.setAttribute("aria-busy", "false");
      },
      fail(message) {
        text.textContent = message;
        bubble.classList.add("pb-error");
        bubble.setAttribute("role", "alert");
        bubble.setAttribute("aria-busy", "false");
      },
    };
  }

  function renderTurns() {
    renderIntro();
    for (const turn of state.turns) {
      const view = botBubble();
      view.fill(turn);
      log.append(userBubble(turn.question), view.bubble);
    }
  }

  // --- asking, over Server-Sent Events
  /** Yields {event, data} from a text/event-stream response. */
  async function* serverEvents(response) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer = (buffer + value).replace(/\r\n/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length) yield { event, data: JSON.parse(data.join("\n")) };
      }
    }
  }

  async function ask(question) {
    if (busy || !question.trim()) return;
    busy = true;
    sendButton.disabled = true;
    suggestions.remove();
    const view = botBubble();
    const searching = el("span", { class: "pb-typing", text: t.searching });
    view.text.append(searching);
    const asked = userBubble(question);
    log.append(asked, view.bubble);
    follow(asked);
    try {
      const response = await fetch(`${API}/api/v1/ask/stream`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ question, session_id: state.session_id, channel: "web" }),
      });
      if (!response.ok) {
        view.fail(response.status === 422 ? t.invalid : t.failed);
        return;
      }
      for await (const { event, data } of serverEvents(response)) {
        if (event === "delta") {
          searching.remove();
          view.text.append(data.text);
          follow(asked);
        } else if (event === "answer") {
          state.session_id = data.session_id;
          const turn = { session_id: data.session_id, question, answer: data.answer,
                         coverage: data.coverage, citations: data.citations,
                         related: data.related, rating: null };
          state.turns.push(turn);
          saveState();
          view.fill(turn);
        }
      }
      if (view.bubble.getAttribute("aria-busy") === "true") view.fail(t.failed);
    } catch (_) {
      // fetch throws (no response at all) when the server is down or refuses this origin
      view.fail(t.offline);
    } finally {
      busy = false;
      sendButton.disabled = false;
      follow(asked);
    }
  }

  /** Name the documents the answers come from: the office may load others beside the
   * bundled plan, or instead of it (whose sample questions are then no use). */
  async function showLibrary() {
    let documents;
    try {
      const response = await fetch(`${API}/api/v1/documents`);
      if (!response.ok) return;
      documents = await response.json();
    } catch (_) { return; } // the default header stays
    if (!Array.isArray(documents) || !documents.length) return;
    const bundled = documents.some((d) => d.id === BUNDLED_ID);
    if (documents.length > 1) {
      subtitle.textContent = t.fromSeveral(documents.length);
      subtitle.title = documents.map((d) => `《${d.title}》`).join("\n");
    } else if (!bundled) {
      subtitle.textContent = t.fromOne(documents[0].title);
      subtitle.title = `《${documents[0].title}》`;
    }
    if (!bundled) {
      suggesting = false;
      suggestions.remove();
      const intro = log.querySelector(".pb-intro .pb-text");
      if (intro) intro.textContent = t.introLibrary;
    }
  }

  // --- behaviour
  function open() {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    scrollToEnd();
    input.focus();
  }
  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  function growInput() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
  }
  function submit() {
    const question = input.value.trim();
    if (!question || busy) return;
    input.value = "";
    growInput();
    ask(question);
  }

  launcher.addEventListener("click", open);
  closeButton.addEventListener("click", close);
  resetButton.addEventListener("click", () => {
    state = { session_id: null, turns: [] };
    saveState();
    renderTurns();
    input.focus();
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter breaks the line; Enter that confirms an IME candidate
    // (pinyin input) must not send.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener("input", growInput);
  suggestions.addEventListener("click", (event) => {
    const button = event.target.closest(".pb-suggestion");
    if (button) ask(button.textContent);
  });

  renderTurns();
  showLibrary();
  // A script in <head> without defer runs before <body> exists.
  if (document.body) document.body.append(host);
  else document.addEventListener("DOMContentLoaded", () => document.body.append(host));
})();
