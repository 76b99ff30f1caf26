import BerthControlProtocol

/// A status with a running, a failed, a backing-off and a scaled-to-zero service.
let sampleStatus = StatusResponse(
    project: "shop",
    daemonPID: 4242,
    manifest: "/srv/shop/berth.yaml",
    services: [
        ServiceStatus(
            name: "web",
            desired: 2,
            replicas: [
                ReplicaStatus(
                    index: 0, pid: 1201, port: 8081, state: .running, ready: true, restarts: 0, uptimeSeconds: 5
                ),
                ReplicaStatus(
                    index: 1, pid: 1202, port: 8082, state: .running, ready: true, restarts: 2, uptimeSeconds: 192.7
                ),
            ]
        ),
        ServiceStatus(
            name: "worker",
            desired: 1,
            replicas: [
                ReplicaStatus(
                    index: 0, pid: nil, port: nil, state: .failed, ready: false, restarts: 5, uptimeSeconds: nil,
                    lastExit: "exited with status 1", reason: "gave up after 5 restarts in 60s",
                    lastStderr: ["connecting to db", "error: connection refused"]
                )
            ]
        ),
        ServiceStatus(
            name: "cron",
            desired: 1,
            replicas: [
                ReplicaStatus(
                    index: 0, pid: nil, port: nil, state: .backoff, ready: false, restarts: 1, uptimeSeconds: nil,
                    lastExit: "killed by SIGKILL"
                )
            ]
        ),
        ServiceStatus(name: "batch", desired: 0, replicas: []),
    ]
)
