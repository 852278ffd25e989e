namespace CloudManager.Fuzz;

/// <summary>
/// One path of the software fed with untrusted bytes. <see cref="Run"/> returns what became of an
/// input when it ended as the software promises (a correct result or the project's typed error);
/// anything else escapes as an exception, which the fuzzer records as a crash.
/// </summary>
internal interface IFuzzTarget
{
    /// <summary>The name given on the command line.</summary>
    string Name { get; }

    /// <summary>Feeds one input through the path and checks the result.</summary>
    /// <exception cref="FuzzFinding">The path returned, but its result is wrong.</exception>
    string Run(Stream input);

    /// <summary>The inputs the fuzzer starts from: valid ones and hand-written hostile ones.</summary>
    IEnumerable<(string Name, byte[] Bytes)> Seeds();
}
