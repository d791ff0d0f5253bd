// The booking page: sign in, pick an event, hold seats on its live map or ask for the best ones, then confirm,
// extend or cancel the hold. Everything goes through the public API; the seat map is drawn once and its seats
// are updated from the event's seat stream.

const $ = (selector) => document.querySelector(selector);
const svgNS = "http://www.w3.org/2000/svg";
const palette = ["#2563eb", "#059669", "#7c3aed", "#db2777", "#0891b2", "#65a30d"];
const cell = 18;

const state = {
  token: sessionStorage.getItem("seatline.token"),
  email: sessionStorage.getItem("seatline.email"),
  event: null,
  seats: new Map(),
  selected: new Set(),
  hold: null,
  stream: null,
  countdown: null,
};

/** A request to the API; resolves to the parsed body, throws an Error carrying the API's message. */
async function api(method, path, body) {
  const headers = {};
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (response.ok) return data;
  const error = new Error(data?.error ?? `${response.status} ${response.statusText}`);
  error.status = response.status;
  error.retryAfter = Number(response.headers.get("Retry-After") ?? 0);
  throw error;
}

function notify(message, retry) {
  const notice = $("#notice");
  notice.replaceChildren(document.createTextNode(message));
  if (retry) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Retry";
    button.addEventListener("click", () => { notice.hidden = true; retry(); });
    notice.append(" ", button);
  }
  notice.hidden = false;
}

/** Runs `action`, telling the person what went wrong; a 503 (paused, broker down) says so and offers a retry. */
async function attempt(action) {
  try {
    $("#notice").hidden = true;
    return await action();
  } catch (error) {
    if (error.status === 503) {
      notify(`Seatline cannot take this right now (${error.message}). Try again in ${error.retryAfter || 2} s.`, () => attempt(action));
    } else if (error.status === 401) {
      notify("Please log in first.");
    } else {
      notify(error.message);
    }
  }
}

function showUser() {
  $("#who").textContent = state.token ? `Signed in as ${state.email}` : "Not signed in";
}

async function signIn(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const credentials = { email: form.get("email"), password: form.get("password") };
  await attempt(async () => {
    if (event.submitter?.value === "register") {
      await api("POST", "/api/users", { ...credentials, name: form.get("name") || undefined });
    }
    const session = await api("POST", "/api/sessions", credentials);
    state.token = session.access_token;
    state.email = credentials.email;
    sessionStorage.setItem("seatline.token", state.token);
    sessionStorage.setItem("seatline.email", state.email);
    showUser();
    await loadMyBookings();
  });
}

async function loadEvents() {
  await attempt(async () => {
    const events = await api("GET", "/api/events");
    const list = $("#event-list");
    list.replaceChildren(...events.map((event) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.event = event.event_id;
      const price = event.min_price === event.max_price ? `${event.min_price}` : `${event.min_price}–${event.max_price}`;
      button.innerHTML = "<strong></strong><small></small>";
      button.querySelector("strong").textContent = event.name;
      button.querySelector("small").textContent =
        `${event.date} · ${event.venue || "venue to be announced"} · ${price} ${event.currency} · ${event.available_seats} of ${event.total_seats} free`;
      button.addEventListener("click", () => openEvent(event.event_id));
      item.append(button);
      return item;
    }));
  });
}

async function openEvent(eventID) {
  await attempt(async () => {
    const map = await api("GET", `/api/events/${encodeURIComponent(eventID)}`);
    state.event = map;
    state.selected.clear();
    $("#event").hidden = false;
    $("#event-title").textContent = map.name;
    $("#event-details").textContent = [map.date, map.venue, map.description].filter(Boolean).join(" · ");
    drawLegend(map);
    drawSeatMap(map);
    follow(eventID);
    updateSelection();
  });
}

function categoryColor(map, name) {
  return palette[Math.max(0, map.categories.findIndex((category) => category.category === name)) % palette.length];
}

function drawLegend(map) {
  const select = $("#category");
  select.replaceChildren(new Option("any category", ""));
  $("#legend").replaceChildren(...map.categories.map((category) => {
    select.append(new Option(`${category.category} (${category.price} ${map.currency})`, category.category));
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = categoryColor(map, category.category);
    const text = document.createElement("span");
    text.className = "count";
    category.text = text;
    item.append(swatch, text);
    return item;
  }), ...[["held", "var(--held)"], ["booked", "var(--booked)"]].map(([name, color]) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = color;
    item.append(swatch, name);
    return item;
  }));
  countFreeSeats();
}

/** Writes each category's free seats into the legend. */
function countFreeSeats() {
  const map = state.event;
  for (const category of map.categories) {
    category.text.textContent = `${category.category}: ${category.price} ${map.currency}, ${category.available} of ${category.total} free`;
  }
}

function seatLabel(seat) {
  const place = [seat.section && `section ${seat.section}`, seat.row && `row ${seat.row}`, `seat ${seat.number}`];
  return `${place.filter(Boolean).join(", ")} (${seat.seat_id}), ${seat.category}, ${seat.price} ${state.event.currency}, ${seat.status}`;
}

/** Draws every seat once, a row of cells per section and row in seat order. */
function drawSeatMap(map) {
  const rows = [];
  for (const seat of map.seats) {
    const key = `${seat.section}\u0000${seat.row}`;
    if (rows.length === 0 || rows[rows.length - 1].key !== key) rows.push({ key, seat, seats: [] });
    rows[rows.length - 1].seats.push(seat);
  }
  const widest = Math.max(...rows.map((row) => row.seats.length));
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("width", 80 + widest * cell);
  svg.setAttribute("height", rows.length * cell + 4);
  // Only a map a person can walk through seat by seat gets every seat in the tab order.
  const focusable = map.seats.length <= 2000;
  state.seats.clear();
  rows.forEach((row, index) => {
    const label = document.createElementNS(svgNS, "text");
    label.setAttribute("x", 0);
    label.setAttribute("y", index * cell + 13);
    label.textContent = [row.seat.section, row.seat.row].filter(Boolean).join(" ") || "Row";
    svg.append(label);
    row.seats.forEach((seat, column) => {
      const rect = document.createElementNS(svgNS, "rect");
      rect.setAttribute("class", "seat");
      rect.setAttribute("x", 80 + column * cell);
      rect.setAttribute("y", index * cell);
      rect.setAttribute("width", cell - 2);
      rect.setAttribute("height", cell - 2);
      rect.setAttribute("rx", 3);
      rect.setAttribute("fill", categoryColor(map, seat.category));
      rect.dataset.seat = seat.seat_id;
      rect.dataset.status = seat.status;
      rect.setAttribute("role", "button");
      rect.setAttribute("aria-pressed", "false");
      if (focusable) rect.setAttribute("tabindex", "0");
      const title = document.createElementNS(svgNS, "title");
      rect.append(title);
      state.seats.set(seat.seat_id, { seat, rect, title });
      updateSeat(seat.seat_id, seat.status);
      svg.append(rect);
    });
  });
  svg.addEventListener("click", (event) => toggle(event.target.closest?.(".seat")));
  svg.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      toggle(event.target.closest?.(".seat"));
    }
  });
  $("#seat-map").replaceChildren(svg);
}

function updateSeat(seatID, status) {
  const entry = state.seats.get(seatID);
  if (!entry) return;
  const category = state.event.categories.find((candidate) => candidate.category === entry.seat.category);
  if (category && entry.seat.status !== status) {
    category.available += (status === "available") - (entry.seat.status === "available");
    countFreeSeats();
  }
  entry.seat.status = status;
  entry.rect.dataset.status = status;
  entry.title.textContent = seatLabel(entry.seat);
  entry.rect.setAttribute("aria-label", seatLabel(entry.seat));
  if (status !== "available" && state.selected.delete(seatID)) {
    entry.rect.setAttribute("aria-pressed", "false");
    updateSelection();
  }
}

function toggle(rect) {
  if (!rect || rect.dataset.status !== "available") return;
  const seatID = rect.dataset.seat;
  if (state.selected.has(seatID)) state.selected.delete(seatID);
  else if (state.selected.size < 10) state.selected.add(seatID);
  rect.setAttribute("aria-pressed", String(state.selected.has(seatID)));
  updateSelection();
}

function updateSelection() {
  const seats = [...state.selected];
  $("#selection").textContent = seats.length ? `Selected: ${seats.join(", ")}` : "No seats selected.";
  $("#hold-selected").disabled = seats.length === 0;
}

/** Follows the event's seat stream; EventSource reconnects by itself and resumes with Last-Event-ID. */
function follow(eventID) {
  state.stream?.close();
  const stream = new EventSource(`/api/events/${encodeURIComponent(eventID)}/stream`);
  stream.addEventListener("seat_update", (message) => {
    const change = JSON.parse(message.data);
    updateSeat(change.seat_id, change.status);
  });
  state.stream = stream;
}

/** Waits for the worker's decision on a booking: 404 with Retry-After until the read side has it. */
async function awaitBooking(id, done = (booking) => booking.status !== "PENDING") {
  for (let attempt = 0; attempt < 120; attempt++) {
    try {
      const booking = await api("GET", `/api/bookings/${id}`);
      if (done(booking)) return booking;
    } catch (error) {
      if (error.status !== 404) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("The booking is taking longer than expected; see My bookings.");
}

async function hold(body) {
  await attempt(async () => {
    const accepted = await api("POST", "/api/holds", { eventId: state.event.event_id, ...body });
    showHold(await awaitBooking(accepted.bookingId));
    await loadMyBookings();
  });
}

function showHold(booking) {
  state.hold = booking;
  $("#hold").hidden = false;
  const total = booking.total_price ? `, ${booking.total_price} ${booking.currency}` : "";
  const reason = booking.reason ? ` (${booking.reason.replaceAll("_", " ")})` : "";
  $("#hold-status").textContent = `${booking.status}${reason}: ${booking.seat_ids.join(", ") || "no seats"}${total}`;
  const held = booking.status === "HELD";
  for (const id of ["#confirm", "#extend", "#cancel"]) $(id).disabled = !held;
  clearInterval(state.countdown);
  const tick = () => {
    const left = held ? Math.max(0, Math.ceil((Date.parse(booking.held_until) - Date.now()) / 1000)) : 0;
    $("#countdown").textContent = held ? `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}` : "–";
    if (held && left === 0) clearInterval(state.countdown);
  };
  tick();
  if (held) state.countdown = setInterval(tick, 1000);
}

async function act(verb) {
  const before = state.hold;
  await attempt(async () => {
    await api("POST", `/api/bookings/${before.booking_id}/${verb}`);
    showHold(await awaitBooking(before.booking_id, (booking) =>
      booking.status !== before.status || booking.held_until !== before.held_until || booking.reason !== before.reason));
    await loadMyBookings();
  });
}

async function loadMyBookings() {
  if (!state.token) return;
  await attempt(async () => {
    const page = await api("GET", "/api/me/bookings?limit=20");
    $("#my-bookings").replaceChildren(...page.bookings.map((booking) => {
      const row = document.createElement("tr");
      row.dataset.booking = booking.booking_id;
      for (const value of [booking.event_id, booking.seat_ids.join(", "), booking.status,
                           booking.total_price ? `${booking.total_price} ${booking.currency}` : ""]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        row.append(cell);
      }
      return row;
    }));
  });
}

$("#sign-in").addEventListener("submit", signIn);
$("#hold-selected").addEventListener("click", () => hold({ seatIds: [...state.selected] }));
$("#hold-best").addEventListener("click", () => {
  const category = $("#category").value;
  hold({ quantity: Number($("#quantity").value), ...(category ? { category } : {}) });
});
for (const verb of ["confirm", "extend", "cancel"]) $(`#${verb}`).addEventListener("click", () => act(verb));
showUser();
loadEvents();
loadMyBookings();
