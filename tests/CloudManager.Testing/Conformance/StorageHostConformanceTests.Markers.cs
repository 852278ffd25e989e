using System.Text;
using CloudManager.Hosts;
using Microsoft.Extensions.Time.Testing;

namespace CloudManager.Testing.Conformance;

/// <summary>The identity marker part of the contract (<see cref="IStorageHost.ReadMarkerAsync"/>, <see cref="IStorageHost.CreateMarkerAsync"/>, <see cref="IStorageHost.Location"/>).</summary>
public abstract partial class StorageHostConformanceTests<TFixture>
{
    private static readonly FakeTimeProvider MarkerClock = new(new DateTimeOffset(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero));

    /// <summary>Bytes at the marker's name that are not a marker, each of which must be refused rather than read as "none".</summary>
    public static TheoryData<string, byte[]> NotMarkers => new()
    {
        { "empty", [] },
        { "not json", "this is not json"u8.ToArray() },
        { "half written", """{"format":"cloud-manager-host","version":1,"id":"0123"""u8.ToArray() },
        { "another format", """{"format":"git-annex","version":1,"id":"0123456789abcdef0123456789abcdef","kind":"directory","createdAt":"2025-01-01T00:00:00+00:00"}"""u8.ToArray() },
        { "upper-case id", """{"format":"cloud-manager-host","version":1,"id":"0123456789ABCDEF0123456789ABCDEF","kind":"directory","createdAt":"2025-01-01T00:00:00+00:00"}"""u8.ToArray() },
        { "oversize", Encoding.UTF8.GetBytes(new string(' ', HostMarker.MaxBytes) + """{"format":"cloud-manager-host","version":1,"id":"0123456789abcdef0123456789abcdef","kind":"directory","createdAt":"2025-01-01T00:00:00+00:00"}""") },
    };

    [Fact]
    public virtual async Task ReadMarkerAsync_returns_null_on_a_new_host()
    {
        await using var host = await Fixture.CreateHostAsync();
        var marker = await host.ReadMarkerAsync(Token);
        if (host.Capabilities.StoresMarker)
        {
            Assert.Null(marker);
            return;
        }

        // A host that stores no marker derives one, the same every time.
        Assert.NotNull(marker);
        Assert.True(HostMarker.IsValidId(marker.Id));
        Assert.Equal(marker, await host.ReadMarkerAsync(Token));
    }

    [Fact]
    public virtual async Task CreateMarkerAsync_then_ReadMarkerAsync_returns_it()
    {
        await using var host = await Fixture.CreateHostAsync();
        var proposed = HostMarker.CreateNew(MarkerClock);
        var created = await host.CreateMarkerAsync(proposed, Token);
        Assert.Equal(host.Kind, created.Kind);
        Assert.True(HostMarker.IsValidId(created.Id));
        if (host.Capabilities.StoresMarker)
        {
            // An encrypted host adds its key check value; others write the marker as proposed.
            Assert.Equal(host.Capabilities.Encrypted, created.KeyCheck is not null);
            Assert.Equal(proposed with { Kind = host.Kind, KeyCheck = created.KeyCheck }, created);
        }

        Assert.Equal(created, await host.ReadMarkerAsync(Token));
    }

    [Fact]
    public virtual async Task A_second_CreateMarkerAsync_returns_the_first_marker()
    {
        await using var host = await Fixture.CreateHostAsync();
        var first = await host.CreateMarkerAsync(HostMarker.CreateNew(MarkerClock), Token);
        var second = await host.CreateMarkerAsync(HostMarker.CreateNew(MarkerClock), Token);
        Assert.Equal(first, second);
        Assert.Equal(first, await host.ReadMarkerAsync(Token));
    }

    [Fact]
    public virtual async Task The_marker_is_never_listed_as_content()
    {
        await using var host = await Fixture.CreateHostAsync();
        await host.CreateMarkerAsync(HostMarker.CreateNew(MarkerClock), Token);
        if (!host.Capabilities.CanList)
        {
            return;
        }

        Assert.Empty(await host.ListAsync(Token).ToListAsync(Token));
        var (content, path, _) = MakeContent(123);
        await host.UploadAsync(content, path, Token);
        var entry = Assert.Single(await host.ListAsync(Token).ToListAsync(Token));
        Assert.Equal(content.Hash, entry.Hash);
    }

    [Theory]
    [MemberData(nameof(NotMarkers))]
    public virtual async Task Something_else_at_the_marker_name_is_an_error_never_null_and_is_left_alone(string what, byte[] bytes)
    {
        await using var host = await Fixture.CreateHostAsync();
        if (!host.Capabilities.StoresMarker)
        {
            return;
        }

        await Fixture.WriteMarkerBytesAsync(host, bytes);
        var read = await Assert.ThrowsAsync<HostMarkerException>(() => host.ReadMarkerAsync(Token));
        Assert.False(read.IsTransient);
        Assert.Equal(host.Name, read.HostName);
        Assert.Contains(HostMarker.ObjectName, read.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HostMarkerException>(() => host.CreateMarkerAsync(HostMarker.CreateNew(MarkerClock), Token));
        // Creation did not replace it.
        await Assert.ThrowsAsync<HostMarkerException>(() => host.ReadMarkerAsync(Token));
        Assert.NotEmpty(what);
    }

    [Fact]
    public virtual async Task A_marker_written_by_another_program_is_read()
    {
        await using var host = await Fixture.CreateHostAsync();
        if (!host.Capabilities.StoresMarker)
        {
            return;
        }

        var marker = new HostMarker("00112233445566778899aabbccddeeff", new DateTimeOffset(2014, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)), "directory");
        await Fixture.WriteMarkerBytesAsync(host, marker.ToJson());
        Assert.Equal(marker, await host.ReadMarkerAsync(Token));
        Assert.Equal(marker, await host.CreateMarkerAsync(HostMarker.CreateNew(MarkerClock), Token));
    }

    [Fact]
    public virtual async Task Unavailable_host_ReadMarkerAsync_throws_HostUnavailable_never_null()
    {
        await using var host = await Fixture.CreateUnavailableHostAsync();
        if (!host.Capabilities.StoresMarker)
        {
            Assert.NotNull(await host.ReadMarkerAsync(Token));
            return;
        }

        var error = await Assert.ThrowsAsync<HostUnavailableException>(() => host.ReadMarkerAsync(Token));
        Assert.True(error.IsTransient);
    }

    [Fact]
    public virtual async Task Concurrent_CreateMarkerAsync_from_two_hosts_on_one_place_agree()
    {
        await using var first = await Fixture.CreateHostAsync();
        await using var second = await Fixture.CreateSamePlaceHostAsync(first);
        var markers = await Task.WhenAll(
            Task.Run(() => first.CreateMarkerAsync(HostMarker.CreateNew(MarkerClock), Token), Token),
            Task.Run(() => second.CreateMarkerAsync(HostMarker.CreateNew(MarkerClock), Token), Token));
        Assert.Equal(markers[0].Id, markers[1].Id);
        Assert.Equal(markers[0], await first.ReadMarkerAsync(Token));
        Assert.Equal(markers[0], await second.ReadMarkerAsync(Token));
    }

    [Fact]
    public virtual async Task Two_hosts_on_one_place_have_one_Location_and_are_refused_together()
    {
        await using var first = await Fixture.CreateHostAsync();
        await using var same = await Fixture.CreateSamePlaceHostAsync(first);
        Assert.Equal(first.Location, same.Location);
        var conflict = Assert.Single(HostOverlap.Find([("a", first.Location), ("b", same.Location)], []));
        Assert.Equal(HostConflictKind.SamePlace, conflict.Kind);
        if (first.Capabilities.StoresMarker)
        {
            // Fresh places of one kind are apart.
            await using var other = await Fixture.CreateHostAsync();
            Assert.NotEqual(first.Location, other.Location);
            Assert.Empty(HostOverlap.Find([("a", first.Location), ("c", other.Location)], []));
        }
    }

    [Fact]
    public virtual async Task ReadMarkerAsync_honours_cancellation()
    {
        await using var host = await Fixture.CreateHostAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.ReadMarkerAsync(cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.CreateMarkerAsync(HostMarker.CreateNew(MarkerClock), cancelled.Token));
        if (host.Capabilities.StoresMarker)
        {
            Assert.Null(await host.ReadMarkerAsync(Token));
        }
    }
}
