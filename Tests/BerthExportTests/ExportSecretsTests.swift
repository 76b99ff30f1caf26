import BerthExport
import BerthManifest
import Foundation
import Testing

/// Secrets in exports: Kubernetes gets a Secret object (keys only) and `secretKeyRef`s, systemd a private
/// `EnvironmentFile`; the value is in no other file and in no diagnostic.
@Suite struct ExportSecretsTests {
    static let value = "exp0rt-$ecret\"value`"
    static let yaml = """
        name: shop
        services:
          api:
            image: example/api:1
            command: run
            env: { PLAIN: p, DB_PASSWORD: { secret: '\(value)' }, TOKEN: { secret: tok-1234 } }
        """

    @Test func kubernetesReferencesASecretWithoutItsValue() throws {
        let result = KubernetesExporter.export(try ExportFixtures.loadYAML(Self.yaml))
        #expect(result.errors.isEmpty)
        let text = try #require(result.contents(of: "api.yaml"))
        #expect(!text.contains("exp0rt") && !text.contains("tok-1234"), "\(text)")
        #expect(text.contains("kind: Secret"))
        #expect(text.contains("berth.dev/keys: \"DB_PASSWORD,TOKEN\""), "\(text)")
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n")
        #expect(
            lines.contains("- name: DB_PASSWORD\nvalueFrom:\nsecretKeyRef:\nkey: DB_PASSWORD\nname: api-secrets"),
            "\(text)")
        #expect(text.contains("- name: PLAIN\n"), "\(text)")
        #expect(result.privateFiles.isEmpty)
        let warning = try #require(result.warnings.first { $0.message.contains("has secrets") })
        #expect(warning.message.contains("(DB_PASSWORD, TOKEN)") && warning.location?.line == 6)
        #expect(!result.warnings.description.contains("exp0rt"))
    }

    @Test func systemdWritesAPrivateEnvironmentFile() throws {
        let result = SystemdExporter.export(
            try ExportFixtures.loadYAML(Self.yaml),
            options: .init(resolveProgram: ExportFixtures.debianPrograms))
        #expect(result.privateFiles == ["shop-api.secrets"])
        let unit = try #require(result.contents(of: "shop-api@.service"))
        #expect(unit.contains("EnvironmentFile=/etc/systemd/system/shop-api.secrets\n"), "\(unit)")
        #expect(unit.contains("Environment=PLAIN=p\n"))
        for file in result.files where file.name != "shop-api.secrets" {
            #expect(!file.contents.contains("exp0rt") && !file.contents.contains("tok-1234"), "\(file.name)")
        }
        let secrets = try #require(result.contents(of: "shop-api.secrets"))
        #expect(
            secrets.split(separator: "\n").dropFirst() == [
                #"DB_PASSWORD="exp0rt-\$ecret\"value\`""#,
                #"TOKEN="tok-1234""#,
            ])
    }
}
