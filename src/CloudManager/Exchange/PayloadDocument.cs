using System.Text.Json;

namespace CloudManager.Exchange;

/// <summary>
/// A sync document as read: the records to import, and the records refused one by one because their
/// file name is not acceptable (names from elsewhere are data, not paths: see <see cref="FileNames"/>).
/// </summary>
internal sealed record PayloadDocument(List<FilePayload> Records, List<RejectedRecord> Rejected)
{
    /// <summary>
    /// Reads a whole sync document: a JSON array of records, every record validated, and no file given
    /// two sizes. A document that is not well-formed JSON is reported as such even when a record before
    /// its fault is invalid, as a parser that reads the whole text first would.
    /// </summary>
    /// <param name="utf8">The document.</param>
    /// <param name="rejectBadNames">
    /// Whether a record whose only fault is its file name is left out and listed in <see cref="Rejected"/>
    /// (the load of another node's records); when false such a record makes the document invalid.
    /// </param>
    /// <exception cref="InvalidPayloadException">The document or one of its records is not valid.</exception>
    public static PayloadDocument Read(ReadOnlySpan<byte> utf8, bool rejectBadNames)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = PayloadJson.MaxDepth });
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                var found = reader.TokenType;
                PayloadReader.Skip(ref reader);
                throw PayloadReader.AfterTheRest(ref reader,
                    new InvalidPayloadException(-1, null, $"expected a JSON array of file records, found {PayloadReader.Describe(found)}."));
            }

            var payloads = new PayloadReader { CollectNameProblems = rejectBadNames };
            var document = new PayloadDocument([], []);
            var sizes = new Dictionary<ContentHash, long>();
            var index = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                FilePayload record;
                try
                {
                    record = payloads.ReadRecord(ref reader, index);
                }
                catch (InvalidPayloadException e)
                {
                    throw PayloadReader.AfterTheRest(ref reader, e);
                }

                // A refused record still counts here: a document that gives one file two sizes is not to be trusted.
                if (sizes.TryGetValue(record.FileHash, out var knownSize) && knownSize != record.FileSize)
                {
                    throw PayloadReader.AfterTheRest(ref reader,
                        new InvalidPayloadException(index, "filesize", $"file {record.FileHash} appears earlier with size {knownSize}, here with {record.FileSize}."));
                }

                sizes[record.FileHash] = record.FileSize;
                if (payloads.NameProblem is { } problem)
                {
                    document.Rejected.Add(new RejectedRecord(index, record.FileHash.ToString(), "filename: " + problem));
                }
                else
                {
                    document.Records.Add(record);
                }

                index++;
            }

            // Only white space may follow the array; the reader throws on anything else.
            reader.Read();
            return document;
        }
        catch (JsonException e)
        {
            throw PayloadReader.NotWellFormed(e);
        }
    }
}
