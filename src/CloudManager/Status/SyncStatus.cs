using CloudManager.Catalog;

namespace CloudManager;

/// <summary>Both queues, file by file (the seed's <c>sync_status</c>).</summary>
/// <param name="UploadQueue">Files this node caches that are not yet safe on the hosts.</param>
/// <param name="ExportQueue">Safe files that no shared log has confirmed yet.</param>
public sealed record SyncStatus(IReadOnlyList<FileRecord> UploadQueue, IReadOnlyList<FileRecord> ExportQueue);
