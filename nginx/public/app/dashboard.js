// The admin dashboard: the cluster's nodes with kill and revive, the leader, elections step by step as the admin
// stream brings them, the election history, the transaction log, a chosen event's live seat map, commands accepted
// and decided per second with those still waiting for a decision, and the sales switch. The admin stream needs the
// Authorization header, which EventSource cannot send, so it is read with fetch and parsed here, resuming with
// Last-Event-ID after a break. Accepted commands, the waiting ones and the switch come from write-api's metrics.

import { attempt as attemptShowing, notify, request } from "./api.js";
import { SeatMap, followSeats } from "./seat-map.js";

const $ = (selector) => document.querySelector(selector);
const decisionTypes = new Set(["BUY", "HOLD", "CONFIRM", "RELEASE", "REJECT"]);
const logRows = 50;
const sparklineSeconds = 60;
const metricsInterval = 2000;

const state = {
  token: sessionStorage.getItem("seatline.admin-token"),
  nodes: new Map(),
  streamController: null,
  decisions: new Map(),
  accepted: new Map(),
  lastAccepted: null,
  salesTurnedAt: 0,
  seatMap: null,
  seatStream: null,
};

const api = (method, path, body) => request(method, path, { body, token: state.token });
const attempt = (action) => attemptShowing($("#notice"), action);

function cells(row, values) {
  row.replaceChildren(...values.map((value) => {
    const cell = document.createElement("td");
    if (value instanceof Node) cell.append(value);
    else cell.textContent = value ?? "–";
    return cell;
  }));
  return row;
}

const time = (timestamp) => new Date(timestamp).toLocaleTimeString();

async function signIn(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  await attempt(async () => {
    let token = String(form.get("token") ?? "").trim();
    if (!token) {
      const session = await request("POST", "/api/sessions", {
        body: { email: form.get("email"), password: form.get("password") },
      });
      if (session.role !== "admin") throw new Error("This account is no administrator.");
      token = session.access_token;
    }
    await request("GET", "/api/admin/nodes", { token });
    state.token = token;
    sessionStorage.setItem("seatline.admin-token", token);
    await open();
  });
}

async function open() {
  $("#who").textContent = "Signed in as an administrator";
  $("#account").hidden = true;
  for (const id of ["#pause", "#resume"]) $(id).disabled = false;
  const [nodes, history, log, events] = await Promise.all([
    api("GET", "/api/admin/nodes"),
    api("GET", "/api/admin/elections/history?limit=20"),
    api("GET", `/api/admin/transactions?limit=${logRows}`),
    api("GET", "/api/events"),
  ]);
  for (const node of nodes) state.nodes.set(node.id, node);
  renderNodes();
  $("#history").replaceChildren(...history.map(historyRow));
  $("#log").replaceChildren(...log.map(logRow));
  $("#event-choice").replaceChildren(new Option("choose an event", ""),
    ...events.map((event) => new Option(`${event.name} (${event.event_id})`, event.event_id)));
  followAdminStream();
  followMetrics();
}

function signOut(message) {
  state.token = null;
  sessionStorage.removeItem("seatline.admin-token");
  state.streamController?.abort();
  $("#account").hidden = false;
  $("#who").textContent = "Not signed in";
  notify($("#notice"), message);
}

// MARK: nodes

function renderNodes() {
  const nodes = [...state.nodes.values()].sort((a, b) => a.id - b.id);
  $("#nodes").replaceChildren(...nodes.map((node) => {
    const row = document.createElement("tr");
    row.dataset.node = node.id;
    row.dataset.role = node.role;
    row.dataset.state = node.killed ? "killed" : node.alive ? "alive" : "dead";
    row.dataset.leader = String(node.isLeader);
    const crown = document.createElement("span");
    if (node.isLeader) {
      crown.className = "crown";
      crown.textContent = "♛ leader";
    }
    let action = "";
    if (node.role === "worker" && (node.alive || node.killed)) {
      action = document.createElement("button");
      action.type = "button";
      const verb = node.killed ? "revive" : "kill";
      action.textContent = node.killed ? "Revive" : "Kill";
      action.setAttribute("aria-label", `${action.textContent} node ${node.id}`);
      action.addEventListener("click", () => attempt(async () => {
        action.disabled = true;
        try {
          // The row changes when the admin stream says so. This answer is read before the election the command
          // starts, and arriving after the stream's newer update it would undo it (seen: a revived leader shown
          // as not leading for good).
          await api("POST", `/api/admin/nodes/${node.id}/${verb}`);
        } catch (error) {
          action.disabled = false;
          throw error;
        }
      }));
    }
    return cells(row, [String(node.id), node.role, `${node.host}:${node.port}`, row.dataset.state, crown, action]);
  }));
}

// MARK: elections and the log

function historyRow(election) {
  return cells(document.createElement("tr"), [
    String(election.term), time(election.timestamp), election.oldLeaderId?.toString(), String(election.newLeaderId),
    election.candidates.join(", "), election.reason,
  ]);
}

function logRow(transaction) {
  const row = cells(document.createElement("tr"), [
    time(transaction.timestamp), transaction.nodeId?.toString(), transaction.actionType, transaction.description,
  ]);
  row.dataset.action = transaction.actionType;
  return row;
}

function electionStep(text, type) {
  const step = document.createElement("li");
  step.className = `step ${type}`;
  step.textContent = text;
  $("#election-steps").append(step);
}

const handlers = {
  node_update(node) {
    state.nodes.set(node.id, node);
    renderNodes();
  },
  new_transaction(transaction) {
    const log = $("#log");
    log.prepend(logRow(transaction));
    while (log.children.length > logRows) log.lastElementChild.remove();
    if (decisionTypes.has(transaction.actionType)) {
      const second = Math.floor(Date.parse(transaction.timestamp) / 1000);
      state.decisions.set(second, (state.decisions.get(second) ?? 0) + 1);
    }
  },
  election_started(started) {
    $("#election-steps").replaceChildren();
    const old = started.oldLeaderId == null ? "no leader" : `leader ${started.oldLeaderId}`;
    $("#election-summary").textContent = `Election under way (${old}); candidates ${started.candidates.join(", ")}.`;
    electionStep(`Election started: candidates ${started.candidates.join(", ")}`, "started");
  },
  election_step(step) {
    electionStep(step.message, step.type);
  },
  election_ended(election) {
    $("#election-summary").textContent =
      `Node ${election.newLeaderId} leads term ${election.term} (${election.reason}).`;
    $("#history").prepend(historyRow(election));
  },
};

/** Reads the admin stream until sign-out, reconnecting after a second and resuming where it broke off. */
async function followAdminStream() {
  let lastEventID = null;
  while (state.token) {
    const controller = new AbortController();
    state.streamController = controller;
    try {
      const headers = { Authorization: `Bearer ${state.token}` };
      if (lastEventID) headers["Last-Event-ID"] = lastEventID;
      const response = await fetch("/api/admin/stream", { headers, signal: controller.signal });
      if (response.status === 401 || response.status === 403) return signOut("The admin token was refused.");
      if (!response.ok) throw new Error(`admin stream: ${response.status}`);
      $("#who").textContent = "Signed in as an administrator · live";
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let pending = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        pending += value;
        let end;
        while ((end = pending.indexOf("\n\n")) >= 0) {
          const frame = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const message = { event: "", data: "", id: null };
          for (const line of frame.split("\n")) {
            const colon = line.indexOf(": ");
            if (colon <= 0) continue;
            const field = line.slice(0, colon);
            if (field in message) message[field] = line.slice(colon + 2);
          }
          if (message.id) lastEventID = message.id;
          handlers[message.event]?.(JSON.parse(message.data));
        }
      }
    } catch (error) {
      if (controller.signal.aborted) return;
    }
    if (state.token) $("#who").textContent = "Signed in as an administrator · reconnecting";
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// MARK: accepted and decided per second

/** The last minute of `perSecond`, oldest first, with seconds older than that forgotten. */
function lastMinute(perSecond, now) {
  for (const second of perSecond.keys()) if (second < now - sparklineSeconds) perSecond.delete(second);
  const counts = [];
  for (let second = now - sparklineSeconds; second < now; second++) counts.push(perSecond.get(second) ?? 0);
  return counts;
}

/** Redraws the sparkline of the last minute's accepted commands and decisions (by the second they were logged in). */
function drawThroughput() {
  const now = Math.floor(Date.now() / 1000);
  const decided = lastMinute(state.decisions, now);
  const accepted = lastMinute(state.accepted, now);
  const highest = Math.max(1, ...decided, ...accepted);
  const line = (counts) => counts.map((count, index) => `${index * 6},${58 - (count / highest) * 54}`).join(" ");
  $("#sparkline .decided").setAttribute("points", line(decided));
  $("#sparkline .accepted").setAttribute("points", line(accepted));
  $("#throughput-now").textContent = `${decided[decided.length - 1]} decisions in the last second, at most `
    + `${Math.max(...decided)} a second in the last minute`;
}

// MARK: write-api's metrics

/** The values of the wanted samples on a Prometheus text page, summed over their labels, by name. */
function samples(page, names) {
  const values = {};
  for (const line of page.split("\n")) {
    const sample = /^([a-z_]+)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (sample && names.includes(sample[1])) values[sample[1]] = (values[sample[1]] ?? 0) + Number(sample[2]);
  }
  return values;
}

/** Reads write-api's metrics every two seconds until sign-out: the accepted rate, the commands no worker has decided
 * yet, and the sales switch as any administrator left it. */
async function followMetrics() {
  while (state.token) {
    const askedAt = Date.now();
    try {
      const page = await api("GET", "/metrics/write-api");
      const figures = samples(page, [
        "seatline_write_commands_accepted_total", "seatline_commands_undecided", "seatline_sales_active",
      ]);
      showAccepted(figures.seatline_write_commands_accepted_total);
      if (figures.seatline_commands_undecided !== undefined) {
        $("#undecided").textContent = `${figures.seatline_commands_undecided} accepted commands wait for a decision`;
      }
      // A reading asked for before this page's last turn of the switch was answered may predate the turn.
      if (figures.seatline_sales_active !== undefined && askedAt > state.salesTurnedAt) {
        showSales(figures.seatline_sales_active === 1);
      }
    } catch (error) {
      if (error.status === 401 || error.status === 403) return signOut("The admin token was refused.");
      $("#undecided").textContent = `write-api's figures are out of reach (${error.message}); retrying`;
    }
    await new Promise((resolve) => setTimeout(resolve, metricsInterval));
  }
}

/** Spreads the accepted count's growth since the last reading over the seconds between the two. */
function showAccepted(total) {
  if (total === undefined) return;
  const now = Date.now() / 1000;
  const last = state.lastAccepted;
  state.lastAccepted = { total, at: now };
  // A smaller total is a restarted write-api, counting from zero again.
  if (!last || total < last.total) return;
  const perSecond = (total - last.total) / Math.max(0.001, now - last.at);
  for (let second = Math.floor(last.at); second < Math.floor(now); second++) {
    state.accepted.set(second, perSecond);
  }
}

// MARK: sales

function showSales(active) {
  $("#sales-state").textContent = active
    ? "Sales are on."
    : "Sales are paused: every booking command is answered 503 sales_paused until they resume.";
  $("#sales").dataset.active = String(active);
}

async function setSales(active) {
  await attempt(async () => {
    const answer = await api("POST", "/api/admin/system/toggle", { active });
    state.salesTurnedAt = Date.now();
    showSales(answer.active);
  });
}

// MARK: a chosen event's seat map

async function showEvent(eventID) {
  state.seatStream?.close();
  state.seatMap = null;
  $("#seat-map").replaceChildren();
  $("#event-counts").textContent = "";
  if (!eventID) return;
  await attempt(async () => {
    const map = await api("GET", `/api/events/${encodeURIComponent(eventID)}`);
    state.seatMap = new SeatMap($("#seat-map"), map);
    const counts = { available: 0, held: 0, booked: 0 };
    for (const seat of map.seats) counts[seat.status] += 1;
    const showCounts = () => {
      $("#event-counts").textContent = `${counts.available} available, ${counts.held} held, ${counts.booked} booked`;
    };
    showCounts();
    state.seatStream = followSeats(eventID, (seatID, status) => {
      const previous = state.seatMap?.setStatus(seatID, status);
      if (previous === undefined || previous === status) return;
      counts[previous] -= 1;
      counts[status] += 1;
      showCounts();
    });
  });
}

$("#sign-in").addEventListener("submit", signIn);
$("#pause").addEventListener("click", () => setSales(false));
$("#resume").addEventListener("click", () => setSales(true));
$("#event-choice").addEventListener("change", (event) => showEvent(event.target.value));
setInterval(drawThroughput, 1000);
if (state.token) attempt(open);
