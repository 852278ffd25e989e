using System.Text;
using CloudManager.Hosts;

namespace CloudManager.Testing.Conformance;

/// <summary>The metadata part of the contract (<see cref="IStorageHost.PutMetadataAsync"/> and its siblings), where the journal lives.</summary>
public abstract partial class StorageHostConformanceTests<TFixture>
{
    private static MemoryStream Body(string text) => new(Encoding.UTF8.GetBytes(text), writable: false);

    private static async Task<string?> ReadTextAsync(IStorageHost host, string name, CancellationToken cancellationToken)
    {
        var stream = await host.OpenMetadataAsync(name, cancellationToken);
        if (stream is null)
        {
            return null;
        }

        await using (stream)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return await reader.ReadToEndAsync(cancellationToken);
        }
    }

    [Fact]
    public virtual async Task Metadata_objects_are_put_whole_listed_by_prefix_read_replaced_and_deleted()
    {
        await using var host = await Fixture.CreateHostAsync();
        if (!host.Capabilities.StoresMetadata)
        {
            await Assert.ThrowsAsync<NotSupportedException>(() => host.PutMetadataAsync("journal/a/1.jsonl", Body("x"), Token));
            await Assert.ThrowsAsync<NotSupportedException>(() => host.OpenMetadataAsync("journal/a/1.jsonl", Token));
            return;
        }

        await host.CreateMarkerAsync(HostMarker.CreateNew(MarkerClock), Token);
        Assert.Empty(await host.ListMetadataAsync("journal", Token).ToListAsync(Token));
        Assert.Null(await host.OpenMetadataAsync("journal/a/1.jsonl", Token));

        await host.PutMetadataAsync("journal/node-a/2.jsonl", Body("second"), Token);
        await host.PutMetadataAsync("journal/node-a/1.jsonl", Body("first"), Token);
        await host.PutMetadataAsync("journal/node-b/1.jsonl", Body(""), Token);
        await host.PutMetadataAsync("other/x", Body("elsewhere"), Token);

        Assert.Equal(
            [new MetadataEntry("journal/node-a/1.jsonl", 5), new MetadataEntry("journal/node-a/2.jsonl", 6), new MetadataEntry("journal/node-b/1.jsonl", 0)],
            await host.ListMetadataAsync("journal", Token).ToListAsync(Token));
        Assert.Equal(
            ["journal/node-b/1.jsonl"],
            (await host.ListMetadataAsync("journal/node-b", Token).ToListAsync(Token)).Select(e => e.Name));
        Assert.Equal(4, (await host.ListMetadataAsync("", Token).ToListAsync(Token)).Count);
        Assert.Equal("first", await ReadTextAsync(host, "journal/node-a/1.jsonl", Token));
        Assert.Equal("", await ReadTextAsync(host, "journal/node-b/1.jsonl", Token));

        await host.PutMetadataAsync("journal/node-a/1.jsonl", Body("replaced, longer than before"), Token);
        Assert.Equal("replaced, longer than before", await ReadTextAsync(host, "journal/node-a/1.jsonl", Token));

        await host.DeleteMetadataAsync("journal/node-a/1.jsonl", Token);
        await host.DeleteMetadataAsync("journal/node-a/1.jsonl", Token);
        await host.DeleteMetadataAsync("journal/never/there", Token);
        Assert.Null(await host.OpenMetadataAsync("journal/node-a/1.jsonl", Token));
        Assert.Equal(["journal/node-a/2.jsonl", "journal/node-b/1.jsonl"], (await host.ListMetadataAsync("journal", Token).ToListAsync(Token)).Select(e => e.Name));
    }

    [Fact]
    public virtual async Task Metadata_objects_are_never_listed_as_content()
    {
        await using var host = await Fixture.CreateHostAsync();
        if (!host.Capabilities.StoresMetadata || !host.Capabilities.CanList)
        {
            return;
        }

        await host.CreateMarkerAsync(HostMarker.CreateNew(MarkerClock), Token);
        var (content, path, _) = MakeContent(321);
        var hex = content.Hash.ToString();
        // Even named like content, under the metadata folder it is not content.
        await host.PutMetadataAsync($"{hex[..2]}/{hex}", Body("not content"), Token);
        await host.UploadAsync(content, path, Token);
        var entry = Assert.Single(await host.ListAsync(Token).ToListAsync(Token));
        Assert.Equal(content.Hash, entry.Hash);
        Assert.Equal(321, entry.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData("journal/../x")]
    [InlineData(".hidden")]
    [InlineData("a//b")]
    [InlineData("/absolute")]
    [InlineData("-option")]
    [InlineData("a/b/c/d/e")]
    [InlineData("space here")]
    public virtual async Task Bad_metadata_names_are_refused(string name)
    {
        await using var host = await Fixture.CreateHostAsync();
        if (!host.Capabilities.StoresMetadata)
        {
            return;
        }

        await Assert.ThrowsAnyAsync<ArgumentException>(() => host.PutMetadataAsync(name, Body("x"), Token));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => host.OpenMetadataAsync(name, Token));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => host.DeleteMetadataAsync(name, Token));
    }
}
