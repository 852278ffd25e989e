namespace CloudManager.Gateway.Tests.Support;

/// <summary>One gateway without a token, shared by the tests of a class (each uses its own content).</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private GatewayServer? _server;

    public GatewayServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public async ValueTask InitializeAsync() => _server = await GatewayServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
