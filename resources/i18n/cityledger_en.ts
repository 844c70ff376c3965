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
</context>
</TS>
