namespace CloudManager.Exchange;

/// <summary>A record of a sync document that was refused alone while the others were imported.</summary>
/// <param name="Index">The record's position in the document, from 0.</param>
/// <param name="FileHash">The file it describes (its SHA-256 as 64 hex digits).</param>
/// <param name="Reason">Why it was refused: the field and the problem, with any invisible character shown escaped.</param>
public sealed record RejectedRecord(int Index, string FileHash, string Reason);

/// <summary>What a load of sync data did: the records imported and those refused one by one.</summary>
/// <param name="Imported">The number of records imported.</param>
/// <param name="Rejected">The records refused, in document order (a file name a node may not take in).</param>
public sealed record DataLoadReport(int Imported, IReadOnlyList<RejectedRecord> Rejected);
