/* partition.c - the DNS suffix of a region's AWS partition (http.h), shared by
 * the services' regional endpoints (aws/client) and web identity's STS
 * (aws/creds). The SDKs' partitions.json, by region name: cn-* is AWS China,
 * us-iso-*, us-isob-*, us-isof-* and eu-isoe-* the isolated partitions,
 * eusc-* the European Sovereign Cloud; everything else (us-gov-* too) is
 * amazonaws.com. */
#include "aws/http/http.h"

#include <string.h>

const char *es_aws_dns_suffix(const char *region)
{
    static const struct {
        const char *prefix, *suffix;
    } parts[] = {
        {"cn-", "amazonaws.com.cn"},    {"us-iso-", "c2s.ic.gov"},      {"us-isob-", "sc2s.sgov.gov"},
        {"us-isof-", "csp.hci.ic.gov"}, {"eu-isoe-", "cloud.adc-e.uk"}, {"eusc-", "amazonaws.eu"},
    };
    for (size_t i = 0; region && i < sizeof parts / sizeof parts[0]; i++)
        if (!strncmp(region, parts[i].prefix, strlen(parts[i].prefix)))
            return parts[i].suffix;
    return "amazonaws.com";
}
