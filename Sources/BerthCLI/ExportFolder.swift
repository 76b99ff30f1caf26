import BerthControlProtocol
import Foundation

/// Whether another user could change the exported files between `berth export systemd -o DIR` and their install
/// into /etc/systemd/system, where root runs what they say (audit12). `-o /tmp/out` in a folder that another user
/// made (or can write, or owns a folder above) let them edit `ExecStart=` in the units after the export; a drop-in
/// folder they had created in /tmp before (`P-web@0.service.d`, theirs although /tmp is sticky) took the drop-in
/// berthd wrote, and they could replace it. The export now refuses such a folder unless told to allow it. So does
/// `berth export kubernetes -o DIR`: what another user changes there is applied to the cluster by `kubectl apply`
/// (a privileged pod, a hostPath volume), as the operator.
enum ExportFolder {
    /// The first problem with the folders the export will write into (`output` and its subfolders `folders`), or
    /// nil. Folders that do not exist yet are judged by the nearest one that does: they will be created by us, in it.
    static func problem(output: String, folders: [String], uid: UInt32 = geteuid()) -> String? {
        for folder in [output] + folders.map { output + "/" + $0 } {
            var existing = folder
            while !FileManager.default.fileExists(atPath: existing) {
                let parent = (existing as NSString).deletingLastPathComponent
                if parent == existing || parent.isEmpty { break }
                existing = parent
            }
            if existing.isEmpty { existing = "." }
            var isDirectory: ObjCBool = false
            // A file in the way is for mkdir to report ("cannot write to ..."), not a question of trust.
            guard FileManager.default.fileExists(atPath: existing, isDirectory: &isDirectory), isDirectory.boolValue
            else { continue }
            do {
                try TrustedPath.check(directory: existing, uid: uid)
            } catch {
                return error.description
            }
        }
        return nil
    }
}
