namespace CloudManager.Cli.Output;

/// <summary>One progress bar as a command sees it; a no-op when no bar is shown. Safe to call from several threads.</summary>
internal interface IProgressLine
{
    /// <summary>Sets how far the work is, in the bar's unit (bytes or files).</summary>
    void Set(long value);

    /// <summary>Moves the bar forward.</summary>
    void Advance(long amount);

    /// <summary>Changes the text beside the bar.</summary>
    void Describe(string text);

    /// <summary>Switches between a pulsing bar (how long is not known yet) and a measured one.</summary>
    void Indeterminate(bool value);
}
