extension DashboardAssets {
    /// Dark text on light backgrounds (WCAG AA contrast), one column on a phone, focus rings kept.
    static let style = #"""
        :root { --fg: #1b1f24; --muted: #4d5661; --bg: #f6f7f9; --card: #fff; --line: #d5dae0;
          --ok: #146c2e; --warn: #8a5300; --bad: #b3261e; --info: #0b57d0; --focus: #0b57d0; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
          color: var(--fg); background: var(--bg); }
        header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between;
          gap: .5rem 1rem; padding: .75rem 1rem; background: #1b1f24; color: #fff; }
        header h1 { margin: 0; font-size: 1.2rem; }
        .brand { font-weight: 800; letter-spacing: .02em; }
        #connection { margin: 0; font-size: .9rem; }
        #connection.live::before { content: "● "; color: #6ee7a0; }
        #connection.down::before { content: "● "; color: #ff8a80; }
        main { display: grid; gap: 1rem; padding: 1rem; max-width: 1200px; margin: 0 auto; }
        section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem;
          min-width: 0; }
        h2 { margin: .2rem 0 .6rem; font-size: 1.05rem; }
        h2 small { font-weight: 400; color: var(--muted); }
        h3 { margin: .3rem 0; font-size: 1rem; }
        .service { border-top: 1px solid var(--line); padding: .6rem 0; }
        .service:first-child { border-top: 0; }
        .service-head { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem .8rem; }
        .controls { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem; }
        .controls label { font-size: .9rem; color: var(--muted); }
        td.actions { white-space: nowrap; }
        td.actions button + button { margin-left: .3rem; }
        input[type=number] { width: 4.5rem; }
        input, button { font: inherit; padding: .3rem .6rem; border: 1px solid #8c959f; border-radius: 6px;
          background: #fff; color: var(--fg); }
        button { cursor: pointer; background: #eef1f4; }
        button:hover { background: #e1e6eb; }
        button.danger { color: var(--bad); border-color: var(--bad); }
        button:disabled { opacity: .6; cursor: wait; }
        :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; margin-top: .4rem; font-variant-numeric: tabular-nums; }
        th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
        th { font-size: .85rem; color: var(--muted); font-weight: 600; }
        .state { font-weight: 600; }
        .state-running { color: var(--ok); }
        .state-starting, .state-draining, .state-stopping, .state-backoff { color: var(--warn); }
        .state-failed { color: var(--bad); }
        .state-stopped, .state-completed { color: var(--muted); }
        .reason { color: var(--bad); font-size: .85rem; white-space: normal; }
        #routes { display: grid; gap: .8rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 340px), 1fr)); }
        .route { border: 1px solid var(--line); border-radius: 6px; padding: .5rem; }
        .charts { display: grid; grid-template-columns: 1fr 1fr; gap: .4rem; }
        .charts.usage { margin-top: .5rem; }
        figure { margin: 0; }
        figcaption { font-size: .8rem; color: var(--muted); display: flex; justify-content: space-between; }
        figcaption b { color: var(--fg); }
        svg.chart { width: 100%; height: 56px; display: block; background: #f3f5f7; border-radius: 4px; }
        svg.chart .l1 { fill: none; stroke: var(--info); stroke-width: 1.5; }
        svg.chart .l2 { fill: none; stroke: var(--bad); stroke-width: 1.5; }
        .axis { display: flex; justify-content: space-between; margin: .2rem 0 0; font-size: .75rem;
          color: var(--muted); }
        #events { list-style: none; margin: 0; padding: 0; max-height: 22rem; overflow-y: auto; }
        #events li { padding: .25rem 0; border-bottom: 1px solid var(--line); font-size: .9rem; }
        #events time { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: .5rem; }
        #events .who { font-weight: 600; margin-right: .4rem; }
        #events .bad { color: var(--bad); }
        #events .warn { color: var(--warn); }
        #logs { max-height: 24rem; overflow: auto; background: #1b1f24; color: #e6e9ed; padding: .6rem;
          border-radius: 6px; font-size: .82rem; margin: 0; white-space: pre-wrap; word-break: break-all; }
        #logs:empty { display: none; }
        #logs .stderr { color: #ffb4ab; }
        #logs .daemon { color: #9ecbff; }
        .hint, .empty { color: var(--muted); font-size: .85rem; margin: .2rem 0; }
        #signed-out { margin: 0; padding: .8rem 1rem; background: #fff4e5; border-bottom: 1px solid var(--line); }
        #signed-out[hidden] { display: none; }
        #action-result { min-height: 1.2em; margin: 0 0 .3rem; font-size: .9rem; }
        #action-result.bad { color: var(--bad); }
        @media (min-width: 900px) { main { grid-template-columns: 3fr 2fr; }
          main > section:first-child, main > section:nth-child(2) { grid-column: 1 / -1; } }
        @media (max-width: 520px) { th.wide, td.wide { display: none; } main { padding: .5rem; }
          th, td { padding: .3rem .35rem; } }
        """#
}
