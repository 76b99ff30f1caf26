import BerthControlProtocol
import BerthManifest
import BerthProcess
import Testing

@testable import BerthSupervisor

/// What a replica inherits from berthd's environment: the standard set and what `env_inherit` adds, never the
/// variables a secret-bearing key interpolates (even with `env_inherit: true`); the admin token and the values of
/// secret variables are masked in every replica's output.
@Suite struct InheritedEnvironmentTests {
    static let token = "tok-\(UInt64.random(in: 1 << 40...1 << 50))"
    static let operatorEnvironment = [
        "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_TIME": "en_GB.UTF-8", "TZ": "UTC", "HOME": "/root",
        "USER": "root", "LOGNAME": "root", "TERM": "xterm", "SSH_AUTH_SOCK": "/tmp/agent", "AWS_REGION": "eu-west-1",
        "AWS_SECRET_ACCESS_KEY": "aws-secret", "ADMIN_TOKEN": token, "DB_PASSWORD": "db-password-1",
        "KEY_DIR": "/etc/keys", "BERTH_SOCKET": "/run/x.sock", "NOTIFY_SOCKET": "/run/systemd/notify",
    ]
    static let manifest = """
        admin: { listen: "127.0.0.1:19100", token: "${ADMIN_TOKEN}" }
        services:
          plain: { command: ["p"] }
          aws: { command: ["a"], env_inherit: [AWS_*] }
          all: { command: ["e"], env_inherit: true, env: { DB: { secret: "${DB_PASSWORD}" } } }
          named: { command: ["n"], env_inherit: true, env: { ADMIN_TOKEN: "set-by-the-manifest" } }
        """

    func environments() async throws -> (FakeProcesses, Supervisor, [String: [String: String]]) {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(Self.manifest, processes: processes, environment: Self.operatorEnvironment)
        await supervisor.up()
        var result: [String: [String: String]] = [:]
        for service in ["plain", "aws", "all", "named"] {
            let pid = try #require(processes.running(service)[0])
            result[service] = try #require(processes.request(of: pid)).environment
        }
        return (processes, supervisor, result)
    }

    @Test func byDefaultOnlyTheStandardSetIsInherited() async throws {
        let (_, _, environments) = try await environments()
        let plain = try #require(environments["plain"])
        let inherited = plain.filter { !$0.key.hasPrefix("BERTH_") }
        #expect(
            inherited == [
                "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_TIME": "en_GB.UTF-8", "TZ": "UTC", "HOME": "/root",
                "USER": "root", "LOGNAME": "root",
            ])
        #expect(plain["BERTH_SERVICE"] == "plain" && plain["BERTH_SOCKET"] == nil)
        let aws = try #require(environments["aws"])
        #expect(aws["AWS_REGION"] == "eu-west-1" && aws["AWS_SECRET_ACCESS_KEY"] == "aws-secret")
        #expect(aws["SSH_AUTH_SOCK"] == nil && aws["TERM"] == nil)
    }

    @Test func secretVariablesAreNeverInheritedEvenWithTrue() async throws {
        let (_, _, environments) = try await environments()
        let all = try #require(environments["all"])
        #expect(all["SSH_AUTH_SOCK"] == "/tmp/agent" && all["TERM"] == "xterm", "true inherits the rest")
        #expect(all["ADMIN_TOKEN"] == nil && all["DB_PASSWORD"] == nil)
        #expect(all["BERTH_SOCKET"] == nil && all["NOTIFY_SOCKET"] == nil)
        #expect(all["DB"] == "db-password-1", "the secret itself arrives")
        #expect(environments["named"]?["ADMIN_TOKEN"] == "set-by-the-manifest", "the manifest may still set it")
    }

    @Test func theAdminTokenAndSecretVariablesAreMaskedInEveryReplicasOutput() async throws {
        let (processes, supervisor, _) = try await environments()
        let pid = try #require(processes.running("plain")[0])
        processes.print(pid, "token=\(Self.token) db=db-password-1", stream: .stderr)
        let stream = supervisor.logs.lines(LogQuery(service: "plain", tail: 100))
        var lines: [String] = []
        for await entry in stream where entry.stream != .daemon {
            lines.append(entry.line)
        }
        #expect(lines == ["token=(secret) db=(secret)"])
        #expect(supervisor.logs.lastStderr(service: "plain", replica: 0) == ["token=(secret) db=(secret)"])
    }
}
