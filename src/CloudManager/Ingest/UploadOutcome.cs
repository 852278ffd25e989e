namespace CloudManager.Ingest;

/// <summary>What became of one file of <see cref="CloudPool.UploadFilesWithOutcomesAsync"/>.</summary>
/// <param name="Index">Its index in the paths given.</param>
/// <param name="Hash">Its SHA-256 as 64 lowercase hexadecimal digits.</param>
/// <param name="Added">True when the catalog did not know these bytes and they were added; false when they were already there.</param>
public sealed record UploadOutcome(int Index, string Hash, bool Added);
