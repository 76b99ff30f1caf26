/// The dashboard's HTML page: plain HTML that loads the stylesheet and script from the same listener (no CDN, no
/// build step), with the per-daemon CSRF token in a `<meta>` element for the script's POSTs.
enum DashboardPage {
    /// Same-origin scripts, styles and connections only; no framing (clickjacking), no plugins.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static func html(project: String, csrfToken: String) -> String {
        let title = escape(project)
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="berth-csrf" content="\(escape(csrfToken))">
            <title>\(title) · berth</title>
            <link rel="stylesheet" href="/assets/dashboard.css">
            <script src="/assets/dashboard.js" defer></script>
            </head>
            <body>
            <header>
              <h1><span class="brand">berth</span> <span id="project">\(title)</span></h1>
              <p id="connection" role="status" aria-live="polite">connecting…</p>
            </header>
            <p id="signed-out" role="alert" hidden>This session has ended (it lasts 12 hours, and a restarted daemon
              forgets it): run <code>berth dashboard</code> for a new login link.</p>
            <main>
              <section aria-labelledby="services-title">
                <h2 id="services-title">Services</h2>
                <p id="action-result" role="status" aria-live="polite"></p>
                <div id="services"></div>
              </section>
              <section aria-labelledby="routes-title">
                <h2 id="routes-title">Routes <small>last 5 minutes</small></h2>
                <div id="routes"><p class="empty">No gateway routes.</p></div>
              </section>
              <section aria-labelledby="events-title">
                <h2 id="events-title">Events</h2>
                <ol id="events" aria-live="polite"></ol>
              </section>
              <section aria-labelledby="logs-title">
                <h2 id="logs-title">Logs <span id="logs-target"></span></h2>
                <p class="hint" id="logs-hint">Choose “Logs” on a replica.</p>
                <pre id="logs" tabindex="0" aria-label="log lines"></pre>
              </section>
            </main>
            </body>
            </html>

            """
    }

    /// Escapes text for HTML element content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
