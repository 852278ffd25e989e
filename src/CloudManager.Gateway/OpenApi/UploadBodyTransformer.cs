using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CloudManager.Gateway.OpenApi;

/// <summary>
/// Describes the upload's two request bodies. They are not declared on the endpoint itself because
/// that would make routing refuse raw bodies of any other content type with 415.
/// </summary>
internal sealed class UploadBodyTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.OperationId != "Upload")
        {
            return Task.CompletedTask;
        }

        var binary = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = "The file: the multipart field `file`, or the whole body (any content type) with `?filename=`.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["multipart/form-data"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string> { "file" },
                        Properties = new Dictionary<string, IOpenApiSchema> { ["file"] = binary },
                    },
                },
                ["application/octet-stream"] = new() { Schema = binary },
            },
        };
        return Task.CompletedTask;
    }
}
