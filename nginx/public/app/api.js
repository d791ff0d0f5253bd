// The public API as the pages call it: JSON bodies both ways, and every refusal an Error that carries the API's
// message, its status and its Retry-After, so a page can say what went wrong and when to try again.

/** Sends a request through the gateway; resolves to the parsed JSON body, the text of any other, or null for none. */
export async function request(method, path, { body, token } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const isJSON = response.headers.get("Content-Type")?.startsWith("application/json");
  const data = !text ? null : isJSON ? JSON.parse(text) : text;
  if (response.ok) return data;
  const error = new Error(data?.error ?? `${response.status} ${response.statusText}`);
  error.status = response.status;
  error.code = data?.code;
  error.retryAfter = Number(response.headers.get("Retry-After") ?? 0);
  throw error;
}

/** Shows `message` in the page's alert element, with a Retry button when `retry` is given. */
export function notify(notice, message, retry) {
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

/** Runs `action`, telling the person what went wrong; a 503 (sales paused, broker down) says so and offers a retry. */
export async function attempt(notice, action) {
  try {
    notice.hidden = true;
    return await action();
  } catch (error) {
    if (error.status === 503) {
      notify(notice, `Seatline cannot take this right now (${error.message}). Try again in ${error.retryAfter || 2} s.`,
             () => attempt(notice, action));
    } else if (error.status === 401) {
      notify(notice, "Please log in first.");
    } else {
      notify(notice, error.message);
    }
  }
}
