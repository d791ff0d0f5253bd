// An event's seat map drawn once as SVG, a row of cells per section and row in seat order, coloured by category,
// with held and booked seats marked; later changes repaint single seats, so a map of 100,000 seats stays usable.

import { request } from "./api.js";

const svgNS = "http://www.w3.org/2000/svg";
// The gateway keeps a seat map up to a second and read-api up to another, so a map can be about two seconds older
// than a seat stream opened after it, which starts at the newest change: what changed in between would be missed.
const mapStaleness = 2500;
const palette = ["#2563eb", "#059669", "#7c3aed", "#db2777", "#0891b2", "#65a30d"];
const cell = 18;

/** The colour of a category of `map`, the same on every page. */
export function categoryColor(map, name) {
  return palette[Math.max(0, map.categories.findIndex((category) => category.category === name)) % palette.length];
}

export class SeatMap {
  /**
   * Draws `map` (an event as `GET /api/events/{id}` returns it) into `container`. An `interactive` map puts its
   * seats in the tab order when a person can walk through them seat by seat (up to 2,000).
   */
  constructor(container, map, { interactive = false } = {}) {
    this.map = map;
    this.seats = new Map();
    const rows = [];
    for (const seat of map.seats) {
      const key = `${seat.section}\u0000${seat.row}`;
      if (rows.length === 0 || rows[rows.length - 1].key !== key) rows.push({ key, seat, seats: [] });
      rows[rows.length - 1].seats.push(seat);
    }
    const widest = Math.max(0, ...rows.map((row) => row.seats.length));
    const svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("width", 80 + widest * cell);
    svg.setAttribute("height", rows.length * cell + 4);
    const focusable = interactive && map.seats.length <= 2000;
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
        if (interactive) {
          rect.setAttribute("role", "button");
          rect.setAttribute("aria-pressed", "false");
        }
        if (focusable) rect.setAttribute("tabindex", "0");
        const title = document.createElementNS(svgNS, "title");
        rect.append(title);
        this.seats.set(seat.seat_id, { seat, rect, title });
        this.#paint(this.seats.get(seat.seat_id));
        svg.append(rect);
      });
    });
    this.element = svg;
    container.replaceChildren(svg);
  }

  /** Sets a seat's status; returns the status it had, or undefined when the seat is not on this map. */
  setStatus(seatID, status) {
    const entry = this.seats.get(seatID);
    if (!entry) return undefined;
    const previous = entry.seat.status;
    entry.seat.status = status;
    this.#paint(entry);
    return previous;
  }

  #paint({ seat, rect, title }) {
    const place = [seat.section && `section ${seat.section}`, seat.row && `row ${seat.row}`, `seat ${seat.number}`];
    const label =
      `${place.filter(Boolean).join(", ")} (${seat.seat_id}), ${seat.category}, ${seat.price} ${this.map.currency}, ${seat.status}`;
    rect.dataset.status = seat.status;
    title.textContent = label;
    rect.setAttribute("aria-label", label);
  }
}

/**
 * Follows an event's seat stream, calling `onChange(seatID, status)` for every change; EventSource reconnects by
 * itself and resumes with Last-Event-ID. Once the stream is open longer than a map can be stale, the map is read
 * again and every seat the stream has not changed since takes its status from it, so no change is missed.
 */
export function followSeats(eventID, onChange) {
  const path = `/api/events/${encodeURIComponent(eventID)}`;
  const changed = new Set();
  const stream = new EventSource(`${path}/stream`);
  stream.addEventListener("seat_update", (message) => {
    const change = JSON.parse(message.data);
    changed.add(change.seat_id);
    onChange(change.seat_id, change.status);
  });
  let timer;
  const reconcile = async (attempts) => {
    try {
      const map = await request("GET", path);
      for (const seat of map.seats) if (!changed.has(seat.seat_id)) onChange(seat.seat_id, seat.status);
    } catch {
      if (attempts > 1) timer = setTimeout(() => reconcile(attempts - 1), mapStaleness);
    }
  };
  stream.addEventListener("open", () => { timer = setTimeout(() => reconcile(3), mapStaleness); }, { once: true });
  return { close() { clearTimeout(timer); stream.close(); } };
}
