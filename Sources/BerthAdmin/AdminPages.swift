/// The admin listener's two small HTML answers to a browser without a session: how to get one, and why a login
/// link did not work. No data, no CSRF token, no script.
enum AdminPages {
    /// Nothing but this document's inline style.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
        + "form-action 'none'; frame-ancestors 'none'"

    /// `GET /` without a credential.
    static var signedOut: AdminRouter.Response {
        page(status: 401, title: "Sign in", text: "This dashboard needs a login.")
    }

    static func loginFailed(status: Int, _ reason: String) -> AdminRouter.Response {
        page(status: status, title: "Login link not valid", text: reason)
    }

    private static func page(status: Int, title: String, text: String) -> AdminRouter.Response {
        let html = """
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><title>\(title) · berth</title>
            <style>body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; }
            code { background: #eee; padding: .1rem .3rem; }</style></head>
            <body>
            <h1>\(title)</h1>
            <p id="reason">\(DashboardPage.escape(text))</p>
            <p>Run <code>berth dashboard</code> in the project's directory (as the user that runs it) and open the
            login link it prints, or <code>berth dashboard --open</code> to open it in a browser.</p>
            </body>
            </html>

            """
        return AdminRouter.Response(
            status: status, contentType: "text/html; charset=utf-8",
            headers: [
                ("Content-Security-Policy", contentSecurityPolicy), ("X-Frame-Options", "DENY"),
                ("Referrer-Policy", "no-referrer"), ("X-Content-Type-Options", "nosniff"),
            ],
            body: Array(html.utf8))
    }
}
