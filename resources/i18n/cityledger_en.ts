<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name></name>
    <message numerus="yes">
        <source>%n selected</source>
        <translation>
            <numerusform>%n selected</numerusform>
            <numerusform>%n selected</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n critical alerts acknowledged</source>
        <translation>
            <numerusform>%n critical alert acknowledged</numerusform>
            <numerusform>%n critical alerts acknowledged</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n found</source>
        <translation>
            <numerusform>%n found</numerusform>
            <numerusform>%n found</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n selected assets</source>
        <translation>
            <numerusform>%n selected asset</numerusform>
            <numerusform>%n selected assets</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Imported %n assets</source>
        <translation>
            <numerusform>Imported %n asset</numerusform>
            <numerusform>Imported %n assets</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Imported %n city boundaries</source>
        <translation>
            <numerusform>Imported %n city boundary</numerusform>
            <numerusform>Imported %n city boundaries</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n assets to {path}</source>
        <translation>
            <numerusform>Exported %n asset to {path}</numerusform>
            <numerusform>Exported %n assets to {path}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Own log: %n entries</source>
        <translation>
            <numerusform>Own log: %n entry</numerusform>
            <numerusform>Own log: %n entries</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n cosignatures</source>
        <translation>
            <numerusform>%n cosignature</numerusform>
            <numerusform>%n cosignatures</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>One code for each of the %n selected assets. Assets that already have a code or belong to another city are skipped and listed in the summary.</source>
        <translation>
            <numerusform>One code for the %n selected asset. An asset that already has a code or belongs to another city is skipped and listed in the summary.</numerusform>
            <numerusform>One code for each of the %n selected assets. Assets that already have a code or belong to another city are skipped and listed in the summary.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Sign and issue %n codes</source>
        <translation>
            <numerusform>Sign and issue %n code</numerusform>
            <numerusform>Sign and issue %n codes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Sign %n records</source>
        <translation>
            <numerusform>Sign %n record</numerusform>
            <numerusform>Sign %n records</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>One signed record for the code of each of the %n selected assets. Assets without a code, or whose code another city holds, are listed in the summary.</source>
        <translation>
            <numerusform>One signed record for the code of the %n selected asset. An asset without a code, or whose code another city holds, is listed in the summary.</numerusform>
            <numerusform>One signed record for the code of each of the %n selected assets. Assets without a code, or whose code another city holds, are listed in the summary.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n issued and confirmed in the log</source>
        <translation>
            <numerusform>%n issued and confirmed in the log</numerusform>
            <numerusform>%n issued and confirmed in the log</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n recorded and confirmed in the log</source>
        <translation>
            <numerusform>%n recorded and confirmed in the log</numerusform>
            <numerusform>%n recorded and confirmed in the log</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n signed and pending in the outbox (not yet confirmed)</source>
        <translation>
            <numerusform>%n signed and pending in the outbox (not yet confirmed)</numerusform>
            <numerusform>%n signed and pending in the outbox (not yet confirmed)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n refused</source>
        <translation>
            <numerusform>%n refused</numerusform>
            <numerusform>%n refused</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n not started (cancelled)</source>
        <translation>
            <numerusform>%n not started (cancelled)</numerusform>
            <numerusform>%n not started (cancelled)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n vertex moves</source>
        <translation>
            <numerusform>%n vertex move</numerusform>
            <numerusform>%n vertex moves</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>its node does not answer (%n failed calls): {error}</source>
        <translation>
            <numerusform>its node does not answer (%n failed call): {error}</numerusform>
            <numerusform>its node does not answer (%n failed calls): {error}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>its node does not answer (%n failed calls; last answer {seconds} s ago): {error}</source>
        <translation>
            <numerusform>its node does not answer (%n failed call; last answer {seconds} s ago): {error}</numerusform>
            <numerusform>its node does not answer (%n failed calls; last answer {seconds} s ago): {error}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n entries not held here after {seconds} s</source>
        <translation>
            <numerusform>%n entry not held here after {seconds} s</numerusform>
            <numerusform>%n entries not held here after {seconds} s</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>catching up: %n entries to fetch</source>
        <translation>
            <numerusform>catching up: %n entry to fetch</numerusform>
            <numerusform>catching up: %n entries to fetch</numerusform>
        </translation>
    </message>
</context>
</TS>
