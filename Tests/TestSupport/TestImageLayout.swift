import Crypto
import Foundation
import TUF

/// A minimal OCI image layout on disk (`oci-layout`, `index.json`, `blobs/sha256/…`) holding one
/// image, or an index of one image per platform, under a tag, for tools such as skopeo to copy
/// into a registry.
public enum TestImageLayout {
    /// Writes an image with one layer of `layer` under `tag` in `folder`; returns the manifest's
    /// digest, `sha256:HEX`.
    @discardableResult
    public static func write(to folder: URL, tag: String, layer: String) throws -> String {
        let blobs = try Blobs(folder)
        let manifest = try blobs.image(layer: layer, os: "linux", architecture: "amd64")
        try finish(folder, tag: tag, entry: manifest)
        return manifest["digest"]?.stringValue ?? ""
    }

    /// Writes an image index under `tag` listing one image per platform (`os/architecture`),
    /// each with a layer naming its platform; returns the index's digest and each platform's
    /// image digest.
    @discardableResult
    public static func writeIndex(to folder: URL, tag: String, platforms: [String]) throws -> (
        index: String, images: [String: String]
    ) {
        let blobs = try Blobs(folder)
        var entries: [JSONValue] = []
        var images: [String: String] = [:]
        for platform in platforms {
            let parts = platform.split(separator: "/").map(String.init)
            var entry = try blobs.image(layer: "layer for \(platform)", os: parts[0], architecture: parts[1])
            entry["platform"] = ["os": .string(parts[0]), "architecture": .string(parts[1])]
            images[platform] = entry["digest"]?.stringValue
            entries.append(.object(entry))
        }
        let index: JSONValue = ["schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": .array(entries)]
        let entry = try blobs.descriptor(CanonicalJSON.encode(index), "application/vnd.oci.image.index.v1+json")
        try finish(folder, tag: tag, entry: entry)
        return (entry["digest"]?.stringValue ?? "", images)
    }

    /// The layout's `index.json`, naming `entry` by `tag`, and its `oci-layout` file.
    static func finish(_ folder: URL, tag: String, entry: JSONObject) throws {
        var tagged = entry
        tagged["annotations"] = ["org.opencontainers.image.ref.name": .string(tag)]
        let index: JSONValue = ["schemaVersion": 2, "manifests": [.object(tagged)]]
        try Data(CanonicalJSON.encode(index)).write(to: folder.appendingPathComponent("index.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: folder.appendingPathComponent("oci-layout"))
    }

    /// The `blobs/sha256` folder of a layout.
    struct Blobs {
        let folder: URL

        init(_ layout: URL) throws {
            folder = layout.appendingPathComponent("blobs/sha256")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }

        /// Stores `bytes`; returns their descriptor of `mediaType`.
        func descriptor(_ bytes: [UInt8], _ mediaType: String) throws -> JSONObject {
            let hex = Hex.encode(SHA256.hash(data: bytes))
            try Data(bytes).write(to: folder.appendingPathComponent(hex))
            var object = JSONObject()
            object["mediaType"] = .string(mediaType)
            object["digest"] = .string("sha256:" + hex)
            object["size"] = .integer(Int64(bytes.count))
            return object
        }

        /// Stores an image of one layer of `layer`; returns its manifest's descriptor.
        func image(layer: String, os: String, architecture: String) throws -> JSONObject {
            let layerBytes = Array(layer.utf8)
            let config: JSONValue = [
                "architecture": .string(architecture), "os": .string(os),
                "rootfs": ["type": "layers", "diff_ids": [.string("sha256:" + Hex.encode(SHA256.hash(data: layerBytes)))]],
            ]
            let manifest: JSONValue = [
                "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": .object(try descriptor(CanonicalJSON.encode(config), "application/vnd.oci.image.config.v1+json")),
                "layers": [.object(try descriptor(layerBytes, "application/vnd.oci.image.layer.v1.tar"))],
            ]
            return try descriptor(CanonicalJSON.encode(manifest), "application/vnd.oci.image.manifest.v1+json")
        }
    }
}
