import BerthControlProtocol
import Foundation
import Testing

@testable import BerthCLI

struct StatusJSONTests {
    @Test func printsTheStatusDocumentWithSortedSnakeCaseKeys() throws {
        let status = StatusResponse(
            project: "shop", daemonPID: 7, manifest: "/srv/shop/berth.yaml",
            services: [
                ServiceStatus(
                    name: "web", desired: 1,
                    replicas: [
                        ReplicaStatus(
                            index: 0, pid: 99, port: 8080, state: .running, ready: true, restarts: 0,
                            uptimeSeconds: 1.5, lastExit: "exited with status 0"
                        )
                    ]
                )
            ]
        )
        let expected = """
            {
              "daemon_pid" : 7,
              "manifest" : "/srv/shop/berth.yaml",
              "project" : "shop",
              "services" : [
                {
                  "desired" : 1,
                  "name" : "web",
                  "replicas" : [
                    {
                      "index" : 0,
                      "last_exit" : "exited with status 0",
                      "pid" : 99,
                      "port" : 8080,
                      "ready" : true,
                      "restarts" : 0,
                      "state" : "running",
                      "uptime_s" : 1.5
                    }
                  ]
                }
              ]
            }

            """
        #expect(try StatusJSON.render(status) == expected)
    }

    @Test func roundTripsThroughTheProtocolType() throws {
        let text = try StatusJSON.render(sampleStatus)
        let decoded = try JSONDecoder().decode(StatusResponse.self, from: Data(text.utf8))
        #expect(decoded == sampleStatus)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["daemon_pid", "manifest", "project", "services"])
        #expect((object["services"] as? [Any])?.count == 4)
    }
}
