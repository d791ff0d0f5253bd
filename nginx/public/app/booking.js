// The booking page: sign in, pick an event, hold seats on its live map or ask for the best ones, then confirm,
// extend or cancel the hold. Everything goes through the public API; the seat map is drawn once and its seats
// are updated from the event's seat stream.

import { attempt as attemptShowing, request } from "./api.js";
import { SeatMap, categoryColor, followSeats } from "./seat-map.js";

const $ = (selector) => document.querySelector(selector);

const state = {
  token: sessionStorage.getItem("seatline.token"),
  email: sessionStorage.getItem("seatline.email"),
  event: null,
  seatMap: null,
  selected: new Set(),
  hold: null,
  stream: null,
  countdown: null,
};

const api = (method, path, body) => request(method, path, { body, token: state.token });
const attempt = (action) => attemptShowing($("#notice"), action);

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

/** Draws the map once; a person picks seats by click, or by Enter or Space on a focused seat. */
function drawSeatMap(map) {
  state.seatMap = new SeatMap($("#seat-map"), map, { interactive: true });
  const svg = state.seatMap.element;
  svg.addEventListener("click", (event) => toggle(event.target.closest?.(".seat")));
  svg.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      toggle(event.target.closest?.(".seat"));
    }
  });
}

function updateSeat(seatID, status) {
  const previous = state.seatMap.setStatus(seatID, status);
  if (previous === undefined || previous === status) return;
  const seat = state.seatMap.seats.get(seatID);
  const category = state.event.categories.find((candidate) => candidate.category === seat.seat.category);
  if (category) {
    category.available += (status === "available") - (previous === "available");
    countFreeSeats();
  }
  if (status !== "available" && state.selected.delete(seatID)) {
    seat.rect.setAttribute("aria-pressed", "false");
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

function follow(eventID) {
  state.stream?.close();
  state.stream = followSeats(eventID, updateSeat);
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
