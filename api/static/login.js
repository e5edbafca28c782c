"use strict";
NT.setup({
  nl: { title: "Aanmelden", username: "Gebruikersnaam", password: "Wachtwoord", submit: "Aanmelden",
        wrong: "Verkeerde naam of wachtwoord.", throttled: "Te veel mislukte pogingen. Probeer later opnieuw." },
  en: { title: "Log in", username: "User name", password: "Password", submit: "Log in",
        wrong: "Wrong name or password.", throttled: "Too many failed attempts. Try again later." },
});
document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const message = document.getElementById("message");
  const response = await fetch("/api/v1/auth/login", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: form.get("username"), password: form.get("password") }),
  });
  if (response.ok) {
    const session = await response.json();
    if (session.role === "crew") {
      // Kept so that what this crew queued offline can still be sent as them after someone else
      // logs in on the same phone (see outbox.js); removed again at logout.
      let all = {};
      try { all = JSON.parse(localStorage.getItem("nt-crew-sessions") || "{}"); } catch (_) { /* start afresh */ }
      all[session.id] = { token: session.token, expires_at: session.expires_at, vehicle_id: session.vehicle_id || null };
      localStorage.setItem("nt-crew-sessions", JSON.stringify(all));
    }
    const next = new URLSearchParams(location.search).get("next");
    location.href = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
  } else {
    message.textContent = NT.t(response.status === 429 ? "throttled" : "wrong");
  }
});
