using CloudManager.Testing.Conformance;

namespace CloudManager.Tests.Hosts;

/// <summary>The large-content tests of this project run alone (see <see cref="LargeContentCollection"/>).</summary>
[CollectionDefinition(LargeContentCollection.Name, DisableParallelization = true)]
public sealed class LargeContentCollectionDefinition;
