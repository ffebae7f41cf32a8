import Foundation
import Plumbing
import TestSupport
import Testing

/// The folder lock excludes a second holder until the first gives it up, and a holder that
/// waits too long gets the caller's reason, naming the folder.
@Suite("Folder lock")
struct FolderLockTests {
    @Test func excludesASecondHolderUntilReleased() async throws {
        let folder = try TemporaryDirectory()
        let first = try await FolderLock(folder.url, timeout: 1, busyReason: "busy")
        let started = Date()
        await #expect(throws: StorageError(path: folder.url.path, reason: "someone else holds it")) {
            _ = try await FolderLock(folder.url, timeout: 0.2, busyReason: "someone else holds it")
        }
        #expect(Date().timeIntervalSince(started) >= 0.2)
        first.release()
        let second = try await FolderLock(folder.url, timeout: 0, busyReason: "busy")
        second.release()
        #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent(".lock").path))
    }

    @Test func aWaiterGetsTheLockWhenTheHolderLetsGo() async throws {
        let folder = try TemporaryDirectory()
        let first = try await FolderLock(folder.url, timeout: 1, busyReason: "busy")
        let waiter = Task { () async throws(StorageError) -> Bool in
            let lock = try await FolderLock(folder.url, timeout: 30, busyReason: "busy")
            lock.release()
            return true
        }
        try await Task.sleep(nanoseconds: 150_000_000)
        first.release()
        #expect(try await waiter.value)
    }

    @Test func anUnwritableFolderFailsWithTheLockFile() async throws {
        let missing = try TemporaryDirectory().url.appendingPathComponent("absent/inner")
        let error = await #expect(throws: StorageError.self) {
            _ = try await FolderLock(missing, timeout: 0, busyReason: "busy")
        }
        #expect(error?.path == missing.appendingPathComponent(".lock").path)
        #expect(error?.reason == "cannot open lock file: No such file or directory")
    }
}

/// The lock of a confined folder is reached from the folder's descriptor, and a link planted
/// as its lock file is refused rather than followed.
@Suite("Folder lock in a confined folder")
struct ConfinedFolderLockTests {
    @Test func excludesASecondHolderAndRefusesALinkedLockFile() async throws {
        let folder = try TemporaryDirectory()
        let confined = try ConfinedDirectory.create(folder.file("metadata").path)
        let first = try await FolderLock(confined, timeout: 1, busyReason: "busy")
        await #expect(throws: StorageError(path: confined.path, reason: "held")) {
            _ = try await FolderLock(confined, timeout: 0, busyReason: "held")
        }
        first.release()

        try folder.write("elsewhere", [])
        let linked = try ConfinedDirectory.create(folder.file("linked").path)
        try FileManager.default.createSymbolicLink(
            atPath: folder.file("linked/.lock").path,
            withDestinationPath: folder.file("elsewhere").path
        )
        let error = await #expect(throws: StorageError.self) {
            _ = try await FolderLock(linked, timeout: 0, busyReason: "busy")
        }
        #expect(error?.path == folder.file("linked/.lock").path)
        #expect(error?.reason.hasPrefix("cannot open lock file: ") == true)
    }
}
