import BerthManifest
import BerthManifestYAML
import Testing

/// audit12 (audit11's leftover): a NUL or another control character in a key that names a file, an account, an image,
/// a URL, an HTTP path or a token passed `berth check`. The system then read the value up to the NUL
/// (`user: "root\0x"` looked up root, `workdir: "/srv\0/app"` was `/srv`), an HTTP probe whose path held a space or a
/// control character failed at every try (`invalid probe path`), a route with one never matched, and a CR or LF went
/// as is into the exported systemd unit, where it starts a line of its own. Each is now an error at its value.
struct ControlCharacterAudit12Tests {
    @Test func everyPathLikeKeyWithAControlCharacterIsAnErrorAtItsValue() {
        let errors = diagnostics(
            """
            admin: { listen: "127.0.0.1:9000", token: "abcdefghijklmnop\\0q" }
            gateway:
              listen:
                - address: "127.0.0.1:8443"
                  tls: { cert: "cert\\0.pem", key: "key\\n.pem" }
              routes:
                - { path: "/api\\0", service: web }
                - { path: "/a b", service: web }
                - { path: "/h", service: web, host: "example.com\\r" }
            services:
              web:
                command: ["sleep", "1"]
                port: auto
                workdir: "/srv\\0/app"
                user: "root\\0x"
                group: "wheel\\e"
                image: "app:1\\0"
                env_file: ["a\\0.env"]
                secrets: "s\\n.env"
                ready: { http: "/health\\0" }
                health: { exec: ["test", "a\\0b"] }
                build: { command: make, workdir: "b\\0", inputs: ["src/\\0*"] }
                watch: { paths: ["src\\0"], ignore: ["x\\t"] }
                on_failure: { url: "http://hook.example/\\0" }
              api:
                command: ["sleep", "1"]
                port: auto
                ready: { http: "/health check" }
                on_event: { restarted: { command: ["x", "a\\0b"] } }
            """
        ).filter { $0.severity == .error }
        let found = errors.map { "\($0.location?.line ?? 0) \($0.message)" }
        let control = "must not contain control characters, got"
        let expected: Set<String> = [
            "1 'admin.token' \(control) \\x00 at character 17",
            "5 'tls.cert' \(control) \\x00 at character 5",
            "5 'tls.key' \(control) \\x0a at character 4",
            "7 'path' \(control) \\x00 at character 5",
            "8 'path' must not contain spaces, which end a request's target; write them as %20",
            "9 'host' \(control) \\x0d at character 12",
            "14 'workdir' \(control) \\x00 at character 5",
            "15 'user' \(control) \\x00 at character 5",
            "16 'group' \(control) \\x1b at character 6",
            "17 'image' \(control) \\x00 at character 6",
            "18 'env_file' \(control) \\x00 at character 2",
            "19 'secrets' \(control) \\x0a at character 2",
            "20 'ready.http' \(control) \\x00 at character 8",
            "21 'exec' argument: \(EnvFile.nulMessage)",
            "22 'build.workdir' \(control) \\x00 at character 2",
            "22 'build.inputs' \(control) \\x00 at character 5",
            "23 'paths' \(control) \\x00 at character 4",
            "23 'ignore' \(control) \\x09 at character 2",
            "24 'url' \(control) \\x00 at character 21",
            "28 'ready.http' must not contain spaces, which end a request's target; write them as %20",
            "29 'command' argument: \(EnvFile.nulMessage)",
        ]
        #expect(
            Set(found) == expected,
            "missing \(expected.subtracting(found)), unexpected \(Set(found).subtracting(expected))")
        #expect(!errors.contains { $0.message.contains("abcdefghijklmnop") }, "a token is never quoted")
    }

    @Test func ordinaryValuesStillLoad() throws {
        let manifest = try ManifestLoader.parse(
            yaml: """
                gateway:
                  routes: [{ path: "/api/v1", service: web, host: "Example.com" }]
                services:
                  web:
                    command: ["sh", "-c", "printf 'a\\tb\\n'"]
                    port: auto
                    workdir: "/srv/my app"
                    image: "registry.example/app:1.2"
                    ready: { http: "/health?full=1" }
                    on_failure: { url: "https://hooks.example/berth?x=1" }
                """, file: manifestFile, environment: [:])
        let web = try #require(manifest.services["web"])
        #expect(web.workdir == "/srv/my app")
        #expect(web.command == ["sh", "-c", "printf 'a\tb\n'"])
        #expect(web.ready?.check == .http(path: "/health?full=1"))
    }
}
