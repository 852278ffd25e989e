using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace CloudManager.Hosts.Processes;

/// <summary>
/// One run of a command-line tool (rclone, plowshare): arguments passed as a list (never through a
/// shell), standard input closed or fed from a stream, the end of standard error kept for messages, and the whole process
/// tree killed when the caller cancels or gives up.
/// </summary>
internal sealed class ToolProcess : IDisposable
{
    private const int StderrTailChars = 4096;

    /// <summary>The exit code reported when a tool ended successfully without reading all of its input.</summary>
    internal const int InputNotRead = -2;
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _stderrDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _killed;

    private ToolProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The tool's standard output, to read as a stream.</summary>
    internal Stream StandardOutput => _process.StandardOutput.BaseStream;

    /// <summary>Whether the process has ended.</summary>
    internal bool HasExited => _process.HasExited;

    /// <summary>Starts the tool.</summary>
    /// <exception cref="HostOperationException">The executable cannot be started (missing, not executable).</exception>
    internal static ToolProcess Start(
        string hostName, string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, bool keepInputOpen = false)
    {
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var tool = new ToolProcess(process);
        process.ErrorDataReceived += (_, e) => tool.OnStderr(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new HostOperationException(hostName, $"Host '{hostName}': cannot run '{executable}': {e.Message}. Is it installed and on PATH?", isTransient: false, e);
        }

        if (!keepInputOpen)
        {
            // Tools that ask for a password or a captcha answer on stdin must see end of input, not wait forever.
            process.StandardInput.Close();
        }

        process.BeginErrorReadLine();
        return tool;
    }

    /// <summary>
    /// Runs a tool to its end, collecting at most <paramref name="maxOutputChars"/> of the end of its
    /// standard output.
    /// </summary>
    /// <param name="hostName">For messages.</param>
    /// <param name="executable">The tool.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="timeout">How long the tool may run; then it is killed and <see cref="ToolResult.TimedOut"/> is set.</param>
    /// <param name="maxOutputChars">How much of the end of the output to keep.</param>
    /// <param name="cancellationToken">Kills the tool and throws <see cref="OperationCanceledException"/>.</param>
    /// <param name="environment">Variables to set for the tool.</param>
    /// <param name="input">
    /// What to send on standard input, which is closed once it has all been sent. When reading it fails
    /// (a damaged source fails on its last bytes), the tool is killed before it sees the end of its
    /// input, and the error is thrown: a tool that stores what it reads never stores the bytes.
    /// </param>
    internal static async Task<ToolResult> RunAsync(
        string hostName,
        string executable,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        int maxOutputChars,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null,
        Stream? input = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var tool = Start(hostName, executable, arguments, environment, keepInputOpen: input is not null);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var output = tool.ReadOutputTailAsync(maxOutputChars, limit.Token);
        try
        {
            var inputSent = input is null || await tool.SendInputAsync(input, limit.Token).ConfigureAwait(false);
            var exitCode = await tool.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            var text = await output.ConfigureAwait(false);
            var error = await tool.GetStandardErrorAsync().ConfigureAwait(false);
            return exitCode == 0 && !inputSent
                ? new ToolResult(InputNotRead, text, $"{Path.GetFileName(executable)} stopped reading its input before the end. {error}".Trim(), TimedOut: false)
                : new ToolResult(exitCode, text, error, TimedOut: false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await Task.WhenAny(output).ConfigureAwait(false);
            return new ToolResult(-1, "", await tool.GetStandardErrorAsync().ConfigureAwait(false), TimedOut: true);
        }
    }

    /// <summary>
    /// Copies <paramref name="input"/> to the tool's standard input and closes it. A failed read of the
    /// input kills the tool first (it never sees the end of its input) and is thrown; a failed write
    /// means the tool stopped reading (it ended): the exit code then tells what happened.
    /// </summary>
    /// <returns>Whether all of the input was sent.</returns>
    private async Task<bool> SendInputAsync(Stream input, CancellationToken cancellationToken)
    {
        var stdin = _process.StandardInput.BaseStream;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    Kill();
                    await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                    throw;
                }

                if (read == 0)
                {
                    break;
                }

                try
                {
                    await stdin.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // The tool closed its input or ended: its exit code says why.
                    return false;
                }
            }

            try
            {
                stdin.Close();
            }
            catch (IOException)
            {
                // Ended already.
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Waits for the tool to end; on cancellation kills its process tree and throws.</summary>
    internal async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return _process.ExitCode;
    }

    /// <summary>The end of what the tool wrote on standard error, once it has ended.</summary>
    internal async Task<string> GetStandardErrorAsync()
    {
        // A grandchild that inherited stderr may keep it open after the tool ended; do not wait for it long.
        await Task.WhenAny(_stderrDone.Task, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        lock (_stderr)
        {
            return _stderr.ToString().Trim();
        }
    }

    /// <summary>Kills the tool and everything it started; harmless when it has already ended.</summary>
    internal void Kill()
    {
        if (Interlocked.Exchange(ref _killed, 1) == 1)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already ended.
        }
        catch (Win32Exception)
        {
            // Ended between the check and the signal.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private async Task<string> ReadOutputTailAsync(int maxChars, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var buffer = new char[8192];
        var reader = _process.StandardOutput;
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                text.Append(buffer, 0, read);
                if (text.Length > maxChars * 2)
                {
                    text.Remove(0, text.Length - maxChars);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The run was cut short; what was read so far is all there is.
        }

        return text.Length > maxChars ? text.ToString(text.Length - maxChars, maxChars) : text.ToString();
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            _stderrDone.TrySetResult();
            return;
        }

        lock (_stderr)
        {
            _stderr.AppendLine(line);
            if (_stderr.Length > StderrTailChars)
            {
                _stderr.Remove(0, _stderr.Length - StderrTailChars);
            }
        }
    }
}
