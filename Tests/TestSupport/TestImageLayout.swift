import Crypto
import Foundation
import TUF

/// A minimal OCI image layout on disk (`oci-layout`, `index.json`, `blobs/sha256/…`) holding one
/// image under a tag, for tools such as skopeo to copy into a registry.
public enum TestImageLayout {
    /// Writes an image with one layer of `layer` under `tag` in `folder`; returns the manifest's
    /// digest, `sha256:HEX`.
    @discardableResult
    public static func write(to folder: URL, tag: String, layer: String) throws -> String {
        let manager = FileManager.default
        let blobs = folder.appendingPathComponent("blobs/sha256")
        try manager.createDirectory(at: blobs, withIntermediateDirectories: true)
        func put(_ bytes: [UInt8]) throws -> JSONValue {
            let hex = Hex.encode(SHA256.hash(data: bytes))
            try Data(bytes).write(to: blobs.appendingPathComponent(hex))
            return ["digest": .string("sha256:" + hex), "size": .integer(Int64(bytes.count))]
        }
        func descriptor(_ bytes: [UInt8], _ mediaType: String) throws -> JSONValue {
            guard case .object(var object) = try put(bytes) else { return .null }
            object["mediaType"] = .string(mediaType)
            return .object(object)
        }
        let layerBytes = Array(layer.utf8)
        let config: JSONValue = [
            "architecture": "amd64", "os": "linux",
            "rootfs": ["type": "layers", "diff_ids": [.string("sha256:" + Hex.encode(SHA256.hash(data: layerBytes)))]],
        ]
        let manifest: JSONValue = [
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": try descriptor(CanonicalJSON.encode(config), "application/vnd.oci.image.config.v1+json"),
            "layers": [try descriptor(layerBytes, "application/vnd.oci.image.layer.v1.tar")],
        ]
        let manifestBytes = CanonicalJSON.encode(manifest)
        guard case .object(var entry) = try descriptor(manifestBytes, "application/vnd.oci.image.manifest.v1+json") else { return "" }
        entry["annotations"] = ["org.opencontainers.image.ref.name": .string(tag)]
        let index: JSONValue = ["schemaVersion": 2, "manifests": [.object(entry)]]
        try Data(CanonicalJSON.encode(index)).write(to: folder.appendingPathComponent("index.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: folder.appendingPathComponent("oci-layout"))
        return "sha256:" + Hex.encode(SHA256.hash(data: manifestBytes))
    }
}
