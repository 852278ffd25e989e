namespace CloudManager.Hosts;

/// <summary>One step of a <see cref="HostSelfTest"/>.</summary>
/// <param name="Name">What was checked: <c>probe</c>, <c>upload</c>, <c>exists</c>, <c>read back</c>, <c>delete</c>, <c>gone</c>.</param>
/// <param name="Outcome">Whether it passed, failed or was skipped.</param>
/// <param name="Duration">How long it took.</param>
/// <param name="Detail">What happened, in a sentence (the error's message when it failed).</param>
public sealed record HostSelfTestStep(string Name, HostSelfTestOutcome Outcome, TimeSpan Duration, string Detail);
